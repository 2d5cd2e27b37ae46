// Package billing is the vocabulary of a billing cycle: when a cycle
// starts and ends (Cycle, CycleAt, Midnight), how traffic counts against
// an allowance (Quota, the modes, Calibration) and what that makes
// (Usage, Measure). It is pure: no I/O, no clock of its own, and it
// imports nothing of this project, so that the engine (monitor), the
// settings (config), the state (store) and the outputs can all use it.
package billing
