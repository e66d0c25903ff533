"""The agent's prompts (src/prompts/**) in the command palette: choosing one puts it in the composer."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .pane import AgentPane


class PromptsProvider(Provider):
    def _pane(self) -> AgentPane | None:
        panes = self.app.query(AgentPane)
        return panes.first() if panes else None

    async def discover(self) -> Hits:
        pane = self._pane()
        if pane is None:
            return
        for prompt in pane.prompts():
            yield DiscoveryHit(
                f"Prompt: {prompt.name}", partial(pane.use_prompt, prompt), help=prompt.description or None
            )

    async def search(self, query: str) -> Hits:
        pane = self._pane()
        if pane is None:
            return
        matcher = self.matcher(query)
        for prompt in pane.prompts():
            label = f"Prompt: {prompt.name}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(label), partial(pane.use_prompt, prompt), help=prompt.description
                )
