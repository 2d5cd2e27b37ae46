package config

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// envCases are env files read as systemd 252 reads EnvironmentFile=:
// want is what ReadEnvFile applies, err the start of its refusal. Where it
// refuses, systemd refuses the file or drops a line with a warning, or
// (silent) drops a line without one. TestEnvFileAsSystemd holds
// each case to systemd's own parser.
var envCases = []struct {
	name   string
	in     string
	want   map[string]string
	err    string
	silent bool
}{
	{name: "two URLs, unquoted", in: "NOTIFY_URLS=generic+http://127.0.0.1:1/a generic+http://127.0.0.1:1/b\n",
		want: map[string]string{"NOTIFY_URLS": "generic+http://127.0.0.1:1/a generic+http://127.0.0.1:1/b"}},
	{name: "two URLs, double-quoted", in: `NOTIFY_URLS="generic+http://h/a generic+http://h/b"`,
		want: map[string]string{"NOTIFY_URLS": "generic+http://h/a generic+http://h/b"}},
	{name: "single quotes keep everything", in: "A='x \\\" $y # z'\n", want: map[string]string{"A": `x \" $y # z`}},
	{name: "blanks around key and value", in: "  START_DAY = 17  \r\n\tQUOTA=\t1TB\t\n", want: map[string]string{"START_DAY": "17", "QUOTA": "1TB"}},
	{name: "blanks inside quotes stay", in: `A="  x  "  `, want: map[string]string{"A": "  x  "}},
	{name: "a blank before the quote", in: "A= 'x'\n", want: map[string]string{"A": "x"}},
	{name: "comments", in: "# a\n; b\n   # c=d\n\nA=1 # not a comment\n", want: map[string]string{"A": "1 # not a comment"}},
	{name: "comment continued by a backslash", in: "# a \\\nB=2\nA=1\n", want: map[string]string{"A": "1"}},
	{name: "comment ended by a lone CR", in: "# quota\rQUOTA=5\n", want: map[string]string{"QUOTA": "5"}},
	{name: "CR line ends", in: "A=1\rB=2\r", want: map[string]string{"A": "1", "B": "2"}},
	{name: "CRLF line ends", in: "A=1\r\nB='x'\r\n\r\n", want: map[string]string{"A": "1", "B": "x"}},
	{name: "a CR inside a key", in: "A\rB=1\n", err: `line 1: "A" is no KEY=VALUE assignment`, silent: true},
	{name: "a CR in a quoted value", in: "A=\"x\ry\"\n", want: map[string]string{"A": "x\ry"}},
	{name: "adjacent quoted parts", in: `A="x" "y"`, want: map[string]string{"A": "xy"}},
	{name: "quoted then unquoted", in: "A='a'b\nB=\"x\" y z \n", want: map[string]string{"A": "ab", "B": "xy z"}},
	{name: "quotes after the first character stay", in: `A=x "y" 'z'`, want: map[string]string{"A": `x "y" 'z'`}},
	{name: "unquoted backslashes", in: "A=a\\ b\\\\c\\\"\nB=x\\\ny\n", want: map[string]string{"A": `a b\c"`, "B": "xy"}},
	{name: "an escaped trailing blank stays", in: "A=x\\ \n", want: map[string]string{"A": "x "}},
	{name: "a backslash at the end of the file", in: "A=x\\", want: map[string]string{"A": "x"}},
	{name: "double-quote escapes", in: "A=\"q\\\" b\\\\ d\\$ t\\` n\\n\\\nx\"\n", want: map[string]string{"A": "q\" b\\ d$ t` n\\nx"}},
	{name: "quoted value across lines", in: "A='one\ntwo'\nB=3\n", want: map[string]string{"A": "one\ntwo", "B": "3"}},
	{name: "a tab in a value", in: "A=\"x\ty\"\n", want: map[string]string{"A": "x\ty"}},
	{name: "empty values", in: "A=\nB=''\nC=\"\"", want: map[string]string{"A": "", "B": "", "C": ""}},
	{name: "last one wins", in: "A=1\nA=2\n", want: map[string]string{"A": "2"}},
	{name: "UTF-8 in a value", in: "A=流量 ü\n", want: map[string]string{"A": "流量 ü"}},
	{name: "byte order mark", in: "\xef\xbb\xbfA=1\nB=2\n", err: "line 1: the file begins with a byte order mark"},
	{name: "NUL byte", in: "A=1\nB=x\x00y\n", err: "line 2: a NUL byte"},
	{name: "not UTF-8 in a value", in: "A=1\nB=\xff\n", err: "line 2: bytes that are not UTF-8"},
	{name: "not UTF-8 in a key", in: "\xc3=1\n", err: "line 1: bytes that are not UTF-8"},
	{name: "control characters", in: "A=1\nB=x\x01y\x7f\n", want: map[string]string{"A": "1", "B": "x\x01y\x7f"}},
	{name: "a value of 2 MiB", in: "A=" + strings.Repeat("x", MaxEnvValue+1) + "\nB=1\n", err: "line 1: A: the value is 2097150 bytes long"},
	{name: "the longest value", in: "A=" + strings.Repeat("x", MaxEnvValue-1) + "\n", want: map[string]string{"A": strings.Repeat("x", MaxEnvValue-1)}},
	{name: "a hyphen in a key", in: "A-B=1\n", err: `line 1: "A-B" is not a variable name`},
	{name: "a blank in a key", in: "A B=1\n", err: `line 1: "A B" is not a variable name`},
	{name: "a letter not ASCII in a key", in: "É=1\n", err: `line 1: "É" is not a variable name`},
	{name: "a blank after the key", in: "A\t =1\n", want: map[string]string{"A": "1"}},
	{name: "export prefix", in: "export A=1\n", err: `line 1: "export A" is not a variable name`},
	{name: "bad name", in: "\n\n1A=1\n", err: `line 3: "1A" is not a variable name`},
	{name: "no =", in: "A=1\nexport\n", err: `line 2: "export" is no KEY=VALUE assignment`, silent: true},
	{name: "no = at the end", in: "A=1\nB", err: `line 2: "B" is no KEY=VALUE assignment`, silent: true},
	{name: "a quote left open", in: "A=1\nB=\"x\n", want: map[string]string{"A": "1", "B": "x\n"}},
	{name: "a quote left open by an escape", in: "A='x'\nB=\"y\\", want: map[string]string{"A": "x", "B": "y"}},
}

// TestParseEnvFile holds ReadEnvFile to envCases.
func TestParseEnvFile(t *testing.T) {
	for _, tt := range envCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvFile([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error %v, want one starting %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvFileAsSystemd reads each of envCases with systemd 252's own
// parser, called through the library systemd uses (testdata's oracle,
// built with gcc): where ReadEnvFile applies settings, systemd applies the
// same ones and drops none; where it refuses, systemd refuses the file or
// drops a line with a warning, or the case says systemd is silent.
func TestEnvFileAsSystemd(t *testing.T) {
	oracle := systemdOracle(t)
	differ := 0
	for _, tt := range envCases {
		path := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(path, []byte(tt.in), 0o600); err != nil {
			t.Fatal(err)
		}
		set, warned := readAsSystemd(t, oracle, path)
		got, err := ParseEnvFile([]byte(tt.in))
		switch {
		case err == nil && (warned || !cmp.Equal(got, set)):
			differ++
			t.Errorf("%s: ReadEnvFile applies %q; systemd applies %q (warned: %v)", tt.name, got, set, warned)
		case err != nil && !warned && !tt.silent:
			differ++
			t.Errorf("%s: ReadEnvFile refuses (%v); systemd applies %q without a word", tt.name, err, set)
		case err != nil && warned && tt.silent:
			t.Errorf("%s: marked silent, but systemd warns", tt.name)
		}
	}
	t.Logf("%d cases, %d read differently from systemd", len(envCases), differ)
}

// systemdOracle builds testdata/systemd-envfile.c against systemd's
// shared library, or skips.
func systemdOracle(t *testing.T) string {
	t.Helper()
	libs, _ := filepath.Glob("/usr/lib/*/systemd/libsystemd-shared-*.so")
	if len(libs) == 0 {
		libs, _ = filepath.Glob("/lib/*/systemd/libsystemd-shared-*.so")
	}
	if len(libs) == 0 {
		t.Skip("needs systemd's libsystemd-shared (apt-get install systemd)")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc")
	}
	bin := filepath.Join(t.TempDir(), "systemd-envfile")
	dir := filepath.Dir(libs[0])
	out, err := exec.Command("gcc", "-o", bin, "testdata/systemd-envfile.c", "-L"+dir, "-l:"+filepath.Base(libs[0]), "-Wl,-rpath,"+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// readAsSystemd reads the env file path with the oracle: what systemd
// applies, and whether it refused the file or dropped a line with a
// warning.
func readAsSystemd(t *testing.T, oracle, path string) (set map[string]string, warned bool) {
	t.Helper()
	// systemd's limit on a value follows ARG_MAX, a quarter of the stack
	// limit: PID 1's is 8 MiB.
	out, err := exec.Command("sh", "-c", `ulimit -s 8192 && exec "$0" "$1"`, oracle, path).Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	set = map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		what, kv, _ := strings.Cut(line, " ")
		switch what {
		case "set":
			k, v, _ := strings.Cut(kv, "=")
			set[k] = unescapeOracle(v)
		case "drop", "error":
			warned = true
		}
	}
	return set, warned
}

// unescapeOracle undoes the oracle's escapes: \\ and \xHH.
func unescapeOracle(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestPackageEnvFile: the env file the packages install parses, sets
// nothing (every line is a comment), and with its commented defaults
// uncommented gives exactly each setting's default, which Load takes.
func TestPackageEnvFile(t *testing.T) {
	b, err := os.ReadFile("../systemd/vnstat-exporter.env")
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ParseEnvFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 0 {
		t.Errorf("the template sets %v; want every line commented", vars)
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") && strings.Contains(line, "=") && validEnvName(strings.SplitN(line[1:], "=", 2)[0]) {
			lines = append(lines, line[1:])
		}
	}
	path := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err = ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars() {
		if got, ok := vars[v.Name]; ok && got != v.Default && v.Name != "WEBHOOK_PATH" {
			t.Errorf("%s=%q in the template, default %q", v.Name, got, v.Default)
		}
	}
	if _, err := Load(func(k string) string { return vars[k] }); err != nil {
		t.Errorf("Load of the template's defaults: %v", err)
	}
}

// TestEnvFileAsSystemdRandom holds ReadEnvFile to systemd's parser on
// files made at random of the bytes that matter to it, a fixed seed per
// run so that a failure can be made again.
func TestEnvFileAsSystemdRandom(t *testing.T) {
	oracle := systemdOracle(t)
	parts := []string{"A", "B", "=", "'", `"`, `\`, "#", ";", " ", "\t", "\r", "\n", "\r\n", "x", "1", "$", "\x01", "é", "\xef\xbb\xbf"}
	n := 2000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for i := range n {
		var b strings.Builder
		for range 1 + rng.IntN(24) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		in := b.String()
		path := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		set, warned := readAsSystemd(t, oracle, path)
		got, err := ParseEnvFile([]byte(in))
		if err == nil && (warned || !cmp.Equal(got, set)) {
			t.Errorf("%q: ReadEnvFile applies %q; systemd applies %q (warned: %v)", in, got, set, warned)
		}
		if err != nil && !warned && !strings.Contains(err.Error(), "is no KEY=VALUE assignment") {
			t.Errorf("%q: ReadEnvFile refuses (%v); systemd applies %q without a word", in, err, set)
		}
	}
}
