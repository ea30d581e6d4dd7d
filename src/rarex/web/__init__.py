"""The web pages: server-rendered HTML over the same service functions as the API.

A page route parses, calls one service and renders; the rules stay in the domain rooms. The
pages are served beside the API by ``site.create_site`` (``rarex serve``)."""
