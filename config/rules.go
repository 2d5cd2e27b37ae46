package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dustin/go-humanize"
	"github.com/go-playground/validator/v10"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// invalid returns the variables whose fields break their validate tags.
func invalid(c Config) []string {
	err := newValidator().Struct(c)
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) {
		if err != nil {
			panic(fmt.Sprintf("config: the validate tags are wrong: %v", err))
		}
		return nil
	}
	names := make([]string, len(errs))
	for i, e := range errs {
		// An element of a list is named INTERFACES[2].
		names[i], _, _ = strings.Cut(e.Field(), "[")
	}
	return names
}

// crossCheck returns the variables refused by a rule across settings;
// given reports whether a variable was set (not left to its default).
func crossCheck(c Config, given func(name string) bool) []string {
	var refused []string
	// USED_OFFSET_CYCLE is set exactly when USED_OFFSET is, and is a
	// reset day (a START_DAY that is refused itself is reported, not
	// this).
	b := c.Billing
	validDay := b.StartDay >= 1 && b.StartDay <= 31
	if given("USED_OFFSET_CYCLE") != given("USED_OFFSET") || given("USED_OFFSET") && validDay && !isResetDay(b.UsedOffsetCycle, b.StartDay) {
		refused = append(refused, "USED_OFFSET_CYCLE")
	}
	// The weekly and the cycle report go at REPORT_AT.
	a := c.Alerts
	if a.ReportAt < 0 && a.ReportWeekly > 0 {
		refused = append(refused, "REPORT_WEEKLY")
	}
	if a.ReportAt < 0 && a.ReportBeforeReset > 0 {
		refused = append(refused, "REPORT_BEFORE_RESET")
	}
	// The URLs come from one place.
	if given("NOTIFY_URLS_FILE") && given("NOTIFY_URLS") {
		refused = append(refused, "NOTIFY_URLS_FILE")
	}
	return refused
}

// newValidator returns a validator that names a field by its environment
// variable and knows the checks specific to this program.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("env") })
	// Registration fails only for an empty tag or a nil function.
	for tag, ok := range map[string]func(validator.FieldLevel) bool{
		"webhookpath": func(fl validator.FieldLevel) bool { return validWebhookPath(fl.Field().String()) },
		"ifname":      func(fl validator.FieldLevel) bool { return validIfname(fl.Field().String()) },
		"notifyurl":   func(fl validator.FieldLevel) bool { return IsURL(fl.Field().String()) },
		"billingmode": func(fl validator.FieldLevel) bool { return slices.Contains(billing.Modes, fl.Field().String()) },
		"lang":        func(fl validator.FieldLevel) bool { return slices.Contains(Langs, fl.Field().String()) },
		"ascending": func(fl validator.FieldLevel) bool {
			ns, _ := fl.Field().Interface().([]int)
			for i := 1; i < len(ns); i++ {
				if ns[i] <= ns[i-1] {
					return false
				}
			}
			return true
		},
	} {
		_ = v.RegisterValidation(tag, ok)
	}
	return v
}

// validWebhookPath reports whether p can be matched exactly against the
// path of a request: only characters that need no percent-encoding, and no
// segments a client or proxy would rewrite. Whether it clashes with a
// route of the server is the server's to say (api.CheckPaths).
func validWebhookPath(p string) bool {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return false
	}
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-._~!$&'()*+,;=:@/", r):
		default:
			return false
		}
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// validIfname reports whether name can be a Linux interface name: 1 to
// 15 bytes, not "." or "..", without whitespace, '/' or ':' (the kernel's
// dev_valid_name).
func validIfname(name string) bool {
	if name == "" || len(name) > 15 || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || r == '/' || r == ':' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// isResetDay reports whether the civil date d is the day a cycle that
// resets on startDay begins: startDay, or the last day of a month without it.
func isResetDay(d time.Time, startDay int) bool {
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return d.Day() == min(startDay, last)
}

// sizeUnits are the units a size may carry, lower-cased: the README's
// list, in any case.
var sizeUnits = map[string]bool{"b": true, "kb": true, "mb": true, "gb": true, "tb": true, "kib": true, "mib": true, "gib": true, "tib": true}

// ParseSize parses a byte size: plain bytes exactly, or a number with one
// of the units B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB
// (powers of 1024), in any case, through go-humanize. Other units that
// go-humanize knows (K, G, PB, EB, ...) are refused: the README does not
// list them. Empty is 0. A size above MaxSize is refused: sums and
// offsets of sizes stay far from the 64-bit limits.
func ParseSize(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	tooLarge := fmt.Errorf("larger than %d bytes (1 PiB)", uint64(MaxSize))
	n, err := strconv.ParseUint(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, tooLarge
	}
	if err != nil {
		unit := strings.TrimLeft(s, "0123456789. ")
		if !sizeUnits[strings.ToLower(unit)] {
			return 0, fmt.Errorf("unknown unit %q", unit)
		}
		// Parsed without a 64-bit bound, so that too large is told by
		// value, not by the wording of go-humanize's error.
		big, err := humanize.ParseBigBytes(s)
		if err != nil {
			return 0, err
		}
		if !big.IsUint64() {
			return 0, tooLarge
		}
		n = big.Uint64()
	}
	if n > MaxSize {
		return 0, tooLarge
	}
	return n, nil
}

// MaxSize is the largest size a setting or a calibration may give: 1 PiB,
// a thousand times the largest monthly allowance sold.
const MaxSize = 1 << 50
