"""Loader: aiodataloader's DataLoader, whose cached futures no awaiter can cancel for the others.

A loader caches one future per key, and every field that loads the key awaits that same future. Cancelling a
task that awaits a future cancels the future: graphql-core cancels a failed field's sibling fields
(gather_with_cancel), a client's `complete` cancels its subscription's task, and loaders are shared by the
fields of one request and by the subscriptions of one viewer (gql.delivery). aiodataloader hands out a cached
future even once it is cancelled, so every later load of that key raised CancelledError, which no handler of
errors catches: a subscription's task ended with nothing sent, not even `complete`. Here each load is shielded
(one awaiter's cancellation stays its own), and a key whose cached future was cancelled anyway is loaded again.
"""
import asyncio
from typing import TypeVar

from aiodataloader import DataLoader

KeyT = TypeVar("KeyT")
ReturnT = TypeVar("ReturnT")


class Loader(DataLoader[KeyT, ReturnT]):
    def load(self, key: KeyT) -> "asyncio.Future[ReturnT]":
        future = super().load(key)
        if future.cancelled():
            self.clear(key)
            future = super().load(key)
        # A done future is returned as it is (no cost for a row already loaded).
        return asyncio.shield(future)
