package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

// ReadEnvFile reads a file of settings as systemd 252 reads
// EnvironmentFile= (systemd.exec(5)), so that the package's env file gives
// a daemon started by hand (-env-file) what it gives the service. The
// rules, as systemd's parser has them:
//   - a carriage return ends a line as a newline does (CRLF, and CR alone);
//   - blank lines, and lines whose first non-blank is # or ;, are comments;
//     a backslash in a comment escapes the next byte, a line end too, so a
//     comment ending in a backslash goes on into the next line;
//   - KEY=VALUE: blanks before the key, after the key and before the value
//     are dropped; in an unquoted value, blanks inside stay, trailing ones go
//     (NOTIFY_URLS=a b is one value, "a b");
//   - a backslash keeps the next byte, and one before a line end joins the
//     lines;
//   - a value may be made of parts: 'single' (kept as it is, across lines),
//     "double" (a backslash keeps a following " \ ` or $, drops a line end,
//     and stays before anything else), and unquoted text; blanks between a
//     closing quote and the next part are dropped ("x" "y" is xy); a quote
//     after unquoted text is an ordinary byte (x"y" is x"y");
//   - a key given twice takes its last value.
//
// Where systemd refuses the whole file (a NUL byte, bytes that are not
// UTF-8) or drops a line, with a warning or without (no =, a key that is
// not a variable name, a byte order mark before the first key, a value of
// 2 MiB or more), ReadEnvFile refuses the file and names the line: a
// setting dropped is a wrong number later. Everything else it reads as
// systemd does, a quote left open at the end of the file (closed there)
// and control characters in a value (kept) too.
func ReadEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseEnvFile(b)
}

// MaxEnvValue is the longest value systemd passes on: ARG_MAX (2 MiB
// under the default 8 MiB stack) less the shortest name, the = and the
// terminating NUL.
const MaxEnvValue = 2<<20 - 3

// ParseEnvFile parses the contents of an env file; see ReadEnvFile.
func ParseEnvFile(b []byte) (map[string]string, error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, fmt.Errorf("line %d: a NUL byte (systemd refuses the whole file)", lineAt(b, i))
	}
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return nil, fmt.Errorf("line %d: bytes that are not UTF-8 (systemd refuses the whole file)", lineAt(b, i))
	}
	vars := make(map[string]string)
	for _, a := range splitAssignments(b) {
		if a.noValue {
			return nil, fmt.Errorf("line %d: %q is no KEY=VALUE assignment (systemd ignores the line)", a.line, a.key)
		}
		if err := checkAssignment(a.key, a.value); err != nil {
			return nil, fmt.Errorf("line %d: %w", a.line, err)
		}
		vars[a.key] = a.value
	}
	return vars, nil
}

// checkAssignment refuses what systemd drops with a warning ("Ignoring
// invalid environment assignment").
func checkAssignment(key, value string) error {
	if strings.HasPrefix(key, "\ufeff") {
		return fmt.Errorf("the file begins with a byte order mark, which systemd takes as part of the key %q: save it without one", key[3:])
	}
	if !validEnvName(key) {
		return fmt.Errorf("%q is not a variable name (letters, digits and _, not starting with a digit; systemd ignores the line)", key)
	}
	if len(value) > MaxEnvValue || len(key)+1+len(value) > MaxEnvValue+2 {
		return fmt.Errorf("%s: the value is %d bytes long, more than systemd passes on (%d)", key, len(value), MaxEnvValue)
	}
	return nil
}

// An assignment is what the parser read for one key.
type assignment struct {
	key, value string
	line       int  // where the key began, from 1
	noValue    bool // a line end came before the =
}

// The parser's states, as in systemd's env-file.c.
const (
	preKey = iota
	inKey
	preValue
	inValue
	valueEscape
	singleQuoted
	doubleQuoted
	doubleEscape
	inComment
	commentEscape
)

// splitAssignments runs systemd's env-file state machine over b. It
// returns the assignments in order, and the lines systemd skips for want
// of an = (noValue), so that the caller can refuse them.
func splitAssignments(b []byte) []assignment {
	var (
		out      []assignment
		key, val []byte
		// keyBlank and valueBlank are where trailing blanks of the key and
		// of an unquoted value begin, -1 for none.
		keyBlank, valueBlank = -1, -1
		state                = preKey
		line, keyLine        = 1, 1
	)
	push := func(chomp bool) {
		k := key
		if keyBlank >= 0 {
			k = k[:keyBlank]
		}
		v := val
		if chomp && valueBlank >= 0 {
			v = v[:valueBlank]
		}
		out = append(out, assignment{key: string(k), value: string(v), line: keyLine})
		key, val = key[:0], nil
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		newline := c == '\n' || c == '\r'
		blank := c == ' ' || c == '\t' || newline
		switch state {
		case preKey:
			switch {
			case c == '#' || c == ';':
				state = inComment
			case !blank:
				state, keyBlank, keyLine = inKey, -1, line
				key = append(key[:0], c)
			}
		case inKey:
			switch {
			case newline:
				out = append(out, assignment{key: strings.TrimRight(string(key), " \t"), line: keyLine, noValue: true})
				state, key = preKey, key[:0]
			case c == '=':
				state, valueBlank = preValue, -1
			default:
				if !blank {
					keyBlank = -1
				} else if keyBlank < 0 {
					keyBlank = len(key)
				}
				key = append(key, c)
			}
		case preValue:
			switch {
			case newline:
				state = preKey
				push(false)
			case c == '\'':
				state = singleQuoted
			case c == '"':
				state = doubleQuoted
			case c == '\\':
				state = valueEscape
			case !blank:
				state = inValue
				val = append(val, c)
			}
		case inValue:
			switch {
			case newline:
				state = preKey
				push(true)
			case c == '\\':
				state, valueBlank = valueEscape, -1
			default:
				if !blank {
					valueBlank = -1
				} else if valueBlank < 0 {
					valueBlank = len(val)
				}
				val = append(val, c)
			}
		case valueEscape:
			state = inValue
			if !newline {
				val = append(val, c)
			}
		case singleQuoted:
			if c == '\'' {
				state = preValue
			} else {
				val = append(val, c)
			}
		case doubleQuoted:
			switch c {
			case '"':
				state = preValue
			case '\\':
				state = doubleEscape
			default:
				val = append(val, c)
			}
		case doubleEscape:
			state = doubleQuoted
			switch {
			case strings.IndexByte("\"\\`$", c) >= 0:
				val = append(val, c)
			case c != '\n':
				val = append(val, '\\', c)
			}
		case inComment:
			if c == '\\' {
				state = commentEscape
			} else if newline {
				state = preKey
			}
		case commentEscape:
			state = inComment
		}
		if c == '\n' || c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			line++
		}
	}
	switch state {
	case preValue, inValue, valueEscape:
		push(state == inValue)
	case singleQuoted, doubleQuoted, doubleEscape:
		push(false)
	case inKey:
		out = append(out, assignment{key: strings.TrimRight(string(key), " \t"), line: keyLine, noValue: true})
	}
	return out
}

// lineAt is the line, from 1, of b's byte i; CRLF, CR and LF each end one.
func lineAt(b []byte, i int) int {
	line := 1
	for j, c := range b[:i] {
		if c == '\n' || c == '\r' && (j+1 == len(b) || b[j+1] != '\n') {
			line++
		}
	}
	return line
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
