// Package e2e holds Segue's proof tests: they build the real binary, run
// it as separate `segue serve` processes, and drive them through the HTTP
// API and the admin commands only, as clients and operators would.
//
//   - TestLinearizable starts three servers on one PostgreSQL database,
//     drives them with concurrent clients (several devices of several
//     users) and checks with a model checker (porcupine) that the recorded
//     history of session versions, current entries and per-account streams
//     is linearizable. Negative controls prove the checker would notice.
//   - TestCrash kills a server with SIGKILL at random moments under load
//     (SQLite and PostgreSQL), restarts it on the same data, and checks
//     that every acknowledged change survived, that every Idempotency-Key
//     still replays its first answer, and that the queues stay whole.
//
// They need PostgreSQL: SEGUE_TEST_POSTGRES names it (default
// postgres://root@127.0.0.1:5432/test?sslmode=disable; "skip" skips the
// PostgreSQL parts). Each test uses a schema of its own, dropped at the end.
//
// The default run is short, for CI; `go test ./e2e -long` (or
// SEGUE_E2E_LONG=1) runs longer loads and more crashes. A failing run logs
// its seed; SEGUE_E2E_SEED=N replays the same random choices.
package e2e
