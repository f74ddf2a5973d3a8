"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no network port, no Playwright):
enough to open a page in headless Chromium, evaluate JavaScript in it and collect its console errors.

Chromium reads JSON commands on file descriptor 3 and writes replies and events on 4, each message
ended by a NUL byte (the DevTools protocol's pipe transport).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from atmpcli.report.pdf import browser_flags, find_browser


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed or does not start here (the tests skip with this message)."""


class Page:
    """One tab of a headless Chromium, with its console errors (``errors``) collected as they come."""

    def __init__(self, timeout: float = 60) -> None:
        browser = find_browser()
        if browser is None:
            raise BrowserUnavailable("no Chromium or Chrome on PATH (Debian: apt-get install chromium)")
        self.timeout = timeout
        self.errors: list[str] = []
        self._id = 0
        self._buffer = b""
        self._profile = tempfile.TemporaryDirectory(prefix="atmpcli-chromium-")
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        # copies numbered above the pipes, so that moving them to 3 and 4 in the child cannot overwrite one
        # with the other
        child_in, child_out = os.dup(to_browser), os.dup(from_browser)
        os.close(to_browser)
        os.close(from_browser)

        def child_fds() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [
                browser,
                *browser_flags(),
                "--hide-scrollbars",
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
            ],
            preexec_fn=child_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"})
            attached = self._call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        except (OSError, EOFError, TimeoutError) as exc:
            self.close()
            raise BrowserUnavailable(f"{browser} did not start ({type(exc).__name__})") from None
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A command to the page; its result."""
        return self._call(method, params, self._session)

    def open(self, url: str, width: int, height: int = 1000, media: str = "screen") -> None:
        """Load ``url`` in a viewport ``width`` CSS pixels wide with the given CSS media, until its load event."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.call("Emulation.setEmulatedMedia", {"media": media})
        self.call("Page.navigate", {"url": url})
        self._wait(lambda m: m.get("method") == "Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise); its exception as an error."""
        out = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"].get("text", "JavaScript error"))
        return out["result"].get("value")

    def close(self) -> None:
        try:
            self._call("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        wanted = self._id
        reply = self._wait(lambda m: m.get("id") == wanted)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def _wait(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                self._collect(message)
                if done(message):
                    return message
            ready, _, _ = select.select([self._replies], [], [], self.timeout)
            if not ready:
                raise TimeoutError(f"no answer from Chromium within {self.timeout:g} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self._buffer += chunk

    def _collect(self, message: dict[str, Any]) -> None:
        """Console errors and warnings, uncaught exceptions and browser log errors (e.g. a failed load)."""
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(f"{details.get('text', '')} {details.get('exception', {}).get('description', '')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            self.errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
