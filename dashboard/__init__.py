"""The Dash application: the only package that imports Dash."""
