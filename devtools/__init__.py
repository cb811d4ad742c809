"""Development tools: the demo runner, the benchmarks and the simulator launcher.

Installed only when DJANGO_DEBUG or DASHBOARD_DEVTOOLS is on, and left out of the wheel: these tools use
test-only packages (django.test's client, the official SDK) and start the simulator from the source tree.
"""
