"""`kasa-doctor serve`: the wizard and the camera dashboard as web pages, and the
JSON API (docs/web.md). ``create_app`` is in `kasa_doctor.web.app`."""
