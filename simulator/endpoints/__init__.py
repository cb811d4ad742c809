"""The API's endpoints, one module per area; `simulator/urls.py` maps paths to them."""
