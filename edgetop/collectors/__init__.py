"""What the data is: one module per kernel path or protocol. No Textual here."""
