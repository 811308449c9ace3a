"""Pure text tools (no Django, no models): tokenising, stop words, marker lexicons, stylometry.

The bottom layer of the stack; everything may use it, it uses nothing of ours."""
