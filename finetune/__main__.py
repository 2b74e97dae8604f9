"""The command line: python -m finetune train | tune | resume | predict | check | review | runs | stop | share | export.

Arguments of `train` come from RunConfig's fields, so the CLI, the config file and the UI share
one definition. Unusable input ends with exit status 2 and one line saying what to fix.
"""
from __future__ import annotations

import json
import sys

from .cli.commands import COMMANDS
from .cli.parser import build_parser, config_from_args  # noqa: F401  (config_from_args: the tests build configs as the CLI does)
from .config import ConfigError, DataError


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = COMMANDS[args.command](args)
    except (ConfigError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # unexpected: one line here; the engine keeps the traceback in train.log
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
