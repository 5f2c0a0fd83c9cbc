"""routes"""

ROUTES: list = []
