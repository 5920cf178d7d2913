"""A live answer: Textual's Markdown widget fed through its stream (imported with the first answer)."""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from ._cells import AgentCell


class AnswerView(Markdown):
    """An answer streaming in as Markdown."""

    def __init__(self, cell: AgentCell) -> None:
        super().__init__(cell.text, classes="transcript-cell answer")
        self.cell = cell
        self.stream: MarkdownStream | None = None
        self.streamed = cell.text

    async def write(self, delta: str) -> None:
        if self.stream is None:
            self.stream = Markdown.get_stream(self)
        self.streamed += delta
        await self.stream.write(delta)

    async def settle(self) -> None:
        """End the stream; show the final text if it differs from what streamed in."""
        if self.stream is not None:
            stream, self.stream = self.stream, None
            await stream.stop()
        if self.cell.text != self.streamed:
            self.streamed = self.cell.text
            await self.update(self.cell.text)
