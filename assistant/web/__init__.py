"""What people and programs reach: the Gradio app, the JSON API, HTML views, the interface's words in
each language, referral lists and the public edge (limits, logging without typed text). Imports anything."""
