"""What the app says to people: plain, calm, no blame, and it offers choices."""

from __future__ import annotations

import html

from assistant.safety.danger import EMERGENCY_NUMBER

INTRO = (
    "## Find help after a crime\n"
    "You can describe what happened, or what you need, in your own words. You will see organisations "
    "that may be able to help, why each one was suggested, and how to contact them. You decide what to do next.\n\n"
    f"**If you are in danger right now, call {EMERGENCY_NUMBER}** (free, from any phone). "
    "Nothing you type here is stored. To leave this page quickly, use **Quick exit** or press Shift three times."
)

EXAMPLES = [
    "My daughter told me an adult touched her. What can I do?",
    "He took my passport and makes me work without pay.",
    "Our son has not come home for a week.",
    "Who pays my hospital bills after I was assaulted?",
]

SAFETY_NOTE = f"""## Your safety and privacy

**Quick exit.** The *Quick exit* button at the top right, or pressing the Shift key three times,
clears this page at once and opens the Google home page instead. The browser's Back button will not
bring these results back.

**What quick exit does not do.** It does not delete your browsing history. Someone who looks at this
device could still see that this site was visited.

**Clearing your history.** In most browsers you can open the history with Ctrl+H (Cmd+Y on a Mac)
and remove this site. On a phone, open the browser menu, then History. A private or incognito window
keeps no history at all.

**What is kept.** Nothing you type is stored or written to any log. Your words are used only to find
organisations, and they are gone when you leave. The page asks the browser not to keep a copy either.

**If someone checks your phone or computer,** a device they cannot see (a friend's phone, a library
computer) may be safer.

**In danger right now?** Call {EMERGENCY_NUMBER}. It is free, from any phone.
"""

SORRY_TEXT = f"Something went wrong on our side. Please try again. If you are in danger now, call {EMERGENCY_NUMBER}."
SORRY = f'<p class="notice" role="status">{html.escape(SORRY_TEXT)}</p>'


def sorry_html(language: str = "en") -> str:
    """The calm message shown when a search fails, in a language of the catalogue."""
    from assistant.web.strings import text

    return f'<p class="notice" role="status">{html.escape(text("sorry", language))}</p>'
