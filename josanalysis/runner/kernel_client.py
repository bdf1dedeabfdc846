"""The kernel client of a report run (:class:`PromptKernelClient`).

:func:`josanalysis.runner.kernels.kernel_manager` names it as its ``client_class``, so
jupyter_client imports this module only when a report's kernel starts (the CLI, which imports
the runner, stays quick to start).
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

__all__ = ["PromptKernelClient"]


class PromptKernelClient(AsyncKernelClient):
    """The kernel client of a report run: ready as soon as the kernel has answered.

    jupyter_client's ``wait_for_ready`` ends by listening until IOPub has been silent for
    0.2 s, on every kernel start. nbclient (under papermill) matches each IOPub message to the
    request it belongs to (``parent_header.msg_id``) and skips the rest, so the status messages
    of the ``kernel_info`` handshake that may still arrive are harmless. This client does the
    same handshake -- a ``kernel_info_reply`` on shell, and a message on IOPub, which shows the
    subscription is live -- and then only takes what is already queued, without waiting:
    0.2 s less per report (docs/batch.md).
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass  # IOPub not subscribed yet (its status messages were lost): ask again
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:  # what is queued already, without waiting for silence
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break
