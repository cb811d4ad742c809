"""The API's views: one module per resource; each view parses, asks access and a query, and answers."""
