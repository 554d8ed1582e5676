"""Everything Textual."""

import ipdash.ui.render_cycles  # noqa: F401  (before anything is rendered: see the module)
