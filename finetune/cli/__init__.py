"""The command line's parts: parser.py builds the flags from RunConfig's fields; commands.py runs each command.
`python -m finetune` (finetune/__main__.py) joins them."""
