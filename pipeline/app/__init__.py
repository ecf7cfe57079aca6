"""The Faust application around the pure router: consume, route(), produce, commit."""
