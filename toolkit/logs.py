"""Structured logs: every record as one JSON object per line."""

import datetime as dt
import logging

import msgspec


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        message = record.getMessage()
        # Access-log lines are JSON already: merge them rather than nest a string.
        if message.startswith("{"):
            try:
                entry.update(msgspec.json.decode(message))
            except msgspec.DecodeError:
                entry["message"] = message
        else:
            entry["message"] = message
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry).decode()


def configure(verbose: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler]
    )
