/**
 * onnxruntime 1.29 and later (this project runs 1.30) report to Microsoft from Linux and
 * macOS as well (github.com/microsoft/onnxruntime/pull/27379): a device id kept in
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime, an event for each process, session and
 * execution provider queued in a SQLite file beside it and uploaded whenever the network
 * allows, and an empty mat-debug-<pid>.log in the temporary directory. A self-hosted service
 * does not report on its users. ORT_DISABLE_TELEMETRY=1 turns all of it off, but only when it
 * is in the process's real environment before the runtime starts: a worker thread's
 * `process.env` is a copy the native runtime never reads, so the main thread sets it, before
 * anything imports onnxruntime-node and before the enhance pool starts its workers. An
 * operator who sets the variable keeps the value given.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
