// Package config reads and validates vnstat-exporter's settings.
//
// Settings come from environment variables (the names the Python original
// used, plus new ones) and, optionally, command-line flags that override them.
// Load is a pure function of a getenv-like lookup; no other package reads the
// environment. Each setting is defined once, in Vars: name, flag, default,
// what it allows and how it is parsed and checked (go-playground/validator
// for the checks it has, such as ip, dir, file and ranges). A bad value is
// reported, before the program serves anything, as an *Error that names the
// variable, the value given and what is allowed.
package config
