package config

import (
	"flag"
	"strconv"
)

// Flags registers one flag per setting on fs, each defaulting to the
// setting's default, and returns a lookup for Load that gives a flag set on
// the command line precedence over the environment read through getenv.
// Call the returned function only after fs.Parse.
func Flags(fs *flag.FlagSet, getenv func(string) string) func(string) string {
	values := make(map[string]*string)
	byFlag := make(map[string]string)
	for _, v := range Vars() {
		values[v.Name] = fs.String(v.Flag, v.Default, v.Usage+" ($"+v.Name+"; "+v.Allowed+")")
		byFlag[v.Flag] = v.Name
	}
	return func(name string) string {
		set := false
		fs.Visit(func(f *flag.Flag) {
			if byFlag[f.Name] == name {
				set = true
			}
		})
		if set {
			return *values[name]
		}
		return getenv(name)
	}
}

// EmptyFlags refuses a flag given an empty value (-webhook-path=) for a
// setting whose default is not empty: an empty value would otherwise fall
// back to the default, the published webhook path among them. Call it
// after fs.Parse.
func EmptyFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if f.Value.String() != "" || err != nil {
			return
		}
		for _, v := range Vars() {
			if v.Flag == f.Name && v.Default != "" {
				value := strconv.Quote("")
				if hidden(v.Name) {
					value = shown(v.Name, "")
				}
				err = &Error{Var: v.Name, Value: value + " (given as -" + f.Name + "=)", Allowed: v.Allowed}
			}
		}
	})
	return err
}

// VarByName returns the description of the setting called name, or a zero
// Var.
func VarByName(name string) Var {
	for _, v := range Vars() {
		if v.Name == name {
			return v
		}
	}
	return Var{}
}
