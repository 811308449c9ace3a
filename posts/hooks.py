"""How higher apps react to posts changing without `posts` knowing them.

They register a callback at startup (their AppConfig.ready), and the posts services call the hook.
"""

from __future__ import annotations

from core.hooks import Hook

# (persona_id, how: "import" | "manual" | "edit"), inside the transaction that changed the posts.
posts_added: Hook[[int, str], None] = Hook("posts_added")
on_posts_added = posts_added.register

# (persona_id), after an embedding run gave some of the persona's posts new vectors (outside
# any transaction: the vectors are committed).
posts_embedded: Hook[[int], None] = Hook("posts_embedded")
on_posts_embedded = posts_embedded.register

# (persona_id), after the persona's engagement model was (re)trained (or dropped).
engagement_trained: Hook[[int], None] = Hook("engagement_trained")
on_engagement_trained = engagement_trained.register
