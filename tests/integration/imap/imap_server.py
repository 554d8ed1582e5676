"""A loopback IMAP4rev1 server (RFC 3501) for the IMAP report source's tests.

It speaks what a mailbox poller uses, as real servers answer it: the greeting with CAPABILITY,
CAPABILITY, STARTTLS (LOGINDISABLED until TLS is up), LOGIN, SELECT / EXAMINE (EXISTS, UIDVALIDITY,
UIDNEXT), UID SEARCH (``n:*`` matches the highest UID even below n, as RFC 3501 says), UID FETCH
(RFC822.SIZE, BODY.PEEK[] as a literal), UID STORE, UID COPY, UID MOVE (RFC 6851, when offered),
EXPUNGE, NOOP, LOGOUT. It runs its own event loop in a thread (so sync code and ``ipdash poll`` can
talk to it); ``start()`` returns once it listens. ``Hostile`` switches on a failure mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import threading
from dataclasses import dataclass, field

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')
_UNQUOTE = re.compile(r"\\(.)")


@dataclass
class Message:
    uid: int
    body: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Hostile:
    """Failure modes, each as a real broken or hostile server shows it."""

    bye_on_body_fetch: int | None = None  # the n-th BODY fetch gets "* BYE" and the connection drops
    stall_on: str | None = None  # this command is never answered (the client's timeout ends it)
    huge_literal: bool = False  # BODY[] announced as a 2 GiB literal
    lying_size: bool = False  # RFC822.SIZE says 100 bytes whatever the message
    endless_on: str | None = None  # this command is answered with untagged lines, forever
    junk_on_select: bool = False  # SELECT is answered with bytes that are not IMAP
    echo_password: bool = False  # a failed LOGIN's NO repeats the password it was given


@dataclass
class Seen:
    """What the server was sent, for the tests to check."""

    commands: list[str] = field(default_factory=list)
    login_over_tls: list[bool] = field(default_factory=list)
    body_fetches: list[int] = field(default_factory=list)


class ImapServer:
    def __init__(
        self,
        *,
        user: str = "dmarc@acme-shop.example",
        password: str = "s3cret-Pass!",
        folders: dict[str, list[bytes]] | None = None,
        uidvalidity: int = 7,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        move: bool = True,
        hostile: Hostile | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.user, self.password = user, password
        self.uidvalidity = uidvalidity
        self.folders: dict[str, list[Message]] = {"INBOX": []}
        self.next_uid: dict[str, int] = {"INBOX": 1}
        for name, bodies in (folders or {}).items():
            self.folders.setdefault(name, [])
            self.next_uid.setdefault(name, 1)
            for body in bodies:
                self.add(body, folder=name)
        self.implicit_tls, self.starttls_context, self.move = implicit_tls, starttls, move
        self.hostile = hostile or Hostile()
        self.seen = Seen()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._stopping: asyncio.Event | None = None

    # control, from the test's thread -------------------------------------------------------------
    def add(self, body: bytes, *, folder: str = "INBOX", flags: set[str] | None = None) -> int:
        with self._lock:
            uid = self.next_uid[folder]
            self.next_uid[folder] = uid + 1
            self.folders[folder].append(Message(uid, body, set(flags or ())))
            return uid

    def start(self) -> ImapServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=30)
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None and self._stopping is not None
            self._stopping.set()
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)

    async def _listen(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.implicit_tls)
        self.port = self._server.sockets[0].getsockname()[1]

    # the protocol -------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, reader, writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            await session.run()
        with contextlib.suppress(Exception):
            writer.close()


class _Session:
    def __init__(
        self, server: ImapServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.tls = server.implicit_tls is not None
        self.user: str | None = None
        self.folder: str | None = None
        self.readonly = False
        self.body_fetches = 0

    def capabilities(self) -> str:
        caps = ["IMAP4rev1", "UIDPLUS", "AUTH=PLAIN"]
        if self.server.starttls_context is not None and not self.tls:
            caps += ["STARTTLS", "LOGINDISABLED"]
        if self.server.move:
            caps.append("MOVE")
        return " ".join(caps)

    async def send(self, *lines: bytes | str) -> None:
        for line in lines:
            self.writer.write(line.encode() if isinstance(line, str) else line)
            self.writer.write(b"\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        await self.send(f"* OK [CAPABILITY {self.capabilities()}] ipdash loopback IMAP ready")
        while True:
            line = await self.reader.readline()
            if not line:
                return
            tokens = [m[1] if m[1] is not None else m[2] for m in _TOKEN.finditer(line.rstrip(b"\r\n"))]
            if len(tokens) < 2:
                await self.send(b"* BAD empty command")
                continue
            tag, words = tokens[0].decode(), [t.decode("utf-8", "replace") for t in tokens[1:]]
            command = words[0].upper()
            if command == "UID" and len(words) > 1:
                command = f"UID {words[1].upper()}"
                args = words[2:]
            else:
                args = words[1:]
            self.server.seen.commands.append(command)
            name = command.removeprefix("UID ")
            if self.server.hostile.stall_on == name:
                assert self.server._stopping is not None
                await self.server._stopping.wait()
                return
            if self.server.hostile.endless_on == name:
                while not (self.writer.is_closing() or self.reader.at_eof()):
                    await self.send(b"* OK still working on it")
                    await asyncio.sleep(0)  # drain() need not yield: let the loop see the client leave
                return
            if await self.dispatch(tag, command, args) is False:
                return

    async def dispatch(self, tag: str, command: str, args: list[str]) -> bool:
        handler = {
            "CAPABILITY": self.capability,
            "NOOP": self.noop,
            "STARTTLS": self.starttls,
            "LOGIN": self.login,
            "SELECT": self.select,
            "EXAMINE": self.select,
            "UID SEARCH": self.search,
            "UID FETCH": self.fetch,
            "UID STORE": self.store,
            "UID COPY": self.copy,
            "UID MOVE": self.move_messages,
            "EXPUNGE": self.expunge,
        }.get(command)
        if command == "LOGOUT":
            await self.send("* BYE logging out", f"{tag} OK LOGOUT completed")
            return False
        if handler is None:
            await self.send(f"{tag} BAD unknown command {command}")
            return True
        needs_auth = command not in ("CAPABILITY", "NOOP", "STARTTLS", "LOGIN")
        if needs_auth and self.user is None:
            await self.send(f"{tag} BAD not authenticated")
            return True
        needs_folder = command.startswith("UID") or command == "EXPUNGE"
        if needs_folder and self.folder is None:
            await self.send(f"{tag} BAD no mailbox selected")
            return True
        return await handler(tag, command, args)

    async def capability(self, tag: str, command: str, args: list[str]) -> bool:
        await self.send(f"* CAPABILITY {self.capabilities()}", f"{tag} OK CAPABILITY completed")
        return True

    async def noop(self, tag: str, command: str, args: list[str]) -> bool:
        await self.send(f"{tag} OK NOOP completed")
        return True

    async def starttls(self, tag: str, command: str, args: list[str]) -> bool:
        context = self.server.starttls_context
        if context is None or self.tls:
            await self.send(f"{tag} BAD STARTTLS not available")
            return True
        await self.send(f"{tag} OK Begin TLS negotiation now")
        await self.writer.start_tls(context)
        self.tls = True
        return True

    async def login(self, tag: str, command: str, args: list[str]) -> bool:
        self.server.seen.login_over_tls.append(self.tls)
        if self.server.starttls_context is not None and not self.tls:
            await self.send(f"{tag} NO [PRIVACYREQUIRED] LOGIN only after STARTTLS")
            return True
        user, password = [*args, "", ""][:2]
        if user != self.server.user or _UNQUOTE.sub(r"\1", password) != self.server.password:
            echoed = f" (password {password!r})" if self.server.hostile.echo_password else ""
            await self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials{echoed}")
            return True
        self.user = user
        await self.send(f"{tag} OK [CAPABILITY {self.capabilities()}] Logged in")
        return True

    async def select(self, tag: str, command: str, args: list[str]) -> bool:
        name = args[0] if args else ""
        if self.server.hostile.junk_on_select:
            await self.send(b"\x00\x01HTTP/1.1 200 OK", b"<html>not imap</html>")
            return True
        if name not in self.server.folders:
            await self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {name}")
            return True
        self.folder, self.readonly = name, command == "EXAMINE"
        messages = self.server.folders[name]
        await self.send(
            r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)",
            f"* {len(messages)} EXISTS",
            "* 0 RECENT",
            f"* OK [UIDVALIDITY {self.server.uidvalidity}] UIDs valid",
            f"* OK [UIDNEXT {self.server.next_uid[name]}] Predicted next UID",
            f"{tag} OK [{'READ-ONLY' if self.readonly else 'READ-WRITE'}] {command} completed",
        )
        return True

    def messages(self) -> list[Message]:
        assert self.folder is not None
        return self.server.folders[self.folder]

    def chosen(self, uid_set: str) -> list[tuple[int, Message]]:
        messages = self.messages()
        highest = messages[-1].uid if messages else 0
        wanted: set[int] = set()
        for part in uid_set.split(","):
            low_text, _, high_text = part.partition(":")
            low = highest if low_text == "*" else int(low_text)
            high = low if not high_text else (highest if high_text == "*" else int(high_text))
            low, high = min(low, high), max(low, high)  # "n:*" with n above the highest is highest:n
            wanted.update(range(low, high + 1))
        return [(seq, m) for seq, m in enumerate(messages, 1) if m.uid in wanted]

    async def search(self, tag: str, command: str, args: list[str]) -> bool:
        unseen = "UNSEEN" in (a.upper() for a in args)
        uid_set = args[args.index("UID") + 1] if "UID" in args else "1:*"
        found = [m.uid for _, m in self.chosen(uid_set) if not (unseen and "\\Seen" in m.flags)]
        await self.send(f"* SEARCH {' '.join(map(str, found))}".rstrip(), f"{tag} OK SEARCH completed")
        return True

    async def fetch(self, tag: str, command: str, args: list[str]) -> bool:
        items = " ".join(args[1:]).upper()
        for seq, message in self.chosen(args[0]):
            if "RFC822.SIZE" in items:
                size = 100 if self.server.hostile.lying_size else len(message.body)
                await self.send(f"* {seq} FETCH (UID {message.uid} RFC822.SIZE {size})")
            if "BODY.PEEK[]" in items or "BODY[]" in items:
                self.body_fetches += 1
                self.server.seen.body_fetches.append(message.uid)
                if self.server.hostile.bye_on_body_fetch == self.body_fetches:
                    await self.send("* BYE server shutting down")
                    return False
                size = 2**31 if self.server.hostile.huge_literal else len(message.body)
                self.writer.write(f"* {seq} FETCH (UID {message.uid} BODY[] {{{size}}}\r\n".encode())
                if self.server.hostile.huge_literal:
                    await self.send(b"x" * 1000)
                    assert self.server._stopping is not None
                    await self.server._stopping.wait()
                    return False
                self.writer.write(message.body)
                await self.send(")")
                if "BODY[]" in items and "PEEK" not in items:
                    message.flags.add("\\Seen")
        await self.send(f"{tag} OK FETCH completed")
        return True

    async def store(self, tag: str, command: str, args: list[str]) -> bool:
        if self.readonly:
            await self.send(f"{tag} NO mailbox is read-only")
            return True
        uid_set, action, flags = args[0], args[1].upper(), " ".join(args[2:]).strip("()").split()
        for seq, message in self.chosen(uid_set):
            if action.startswith("+"):
                message.flags.update(flags)
            elif action.startswith("-"):
                message.flags.difference_update(flags)
            if not action.endswith(".SILENT"):
                await self.send(
                    f"* {seq} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))}))"
                )
        await self.send(f"{tag} OK STORE completed")
        return True

    async def copy(self, tag: str, command: str, args: list[str]) -> bool:
        target = args[1] if len(args) > 1 else ""
        if target not in self.server.folders:
            await self.send(f"{tag} NO [TRYCREATE] no such mailbox")
            return True
        for _, message in self.chosen(args[0]):
            self.server.add(message.body, folder=target, flags=set(message.flags))
        await self.send(f"{tag} OK COPY completed")
        return True

    async def move_messages(self, tag: str, command: str, args: list[str]) -> bool:
        if not self.server.move:
            await self.send(f"{tag} BAD unknown command UID MOVE")
            return True
        target = args[1] if len(args) > 1 else ""
        if target not in self.server.folders:
            await self.send(f"{tag} NO [TRYCREATE] no such mailbox")
            return True
        moving = self.chosen(args[0])
        for _, message in moving:
            self.server.add(message.body, folder=target, flags=set(message.flags))
        for seq, _ in reversed(moving):
            del self.messages()[seq - 1]
            await self.send(f"* {seq} EXPUNGE")
        await self.send(f"{tag} OK MOVE completed")
        return True

    async def expunge(self, tag: str, command: str, args: list[str]) -> bool:
        messages = self.messages()
        for seq in range(len(messages), 0, -1):
            if "\\Deleted" in messages[seq - 1].flags:
                del messages[seq - 1]
                await self.send(f"* {seq} EXPUNGE")
        await self.send(f"{tag} OK EXPUNGE completed")
        return True
