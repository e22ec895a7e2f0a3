"""The Textual front end. Only this package (and actions' UI glue) imports Textual."""
