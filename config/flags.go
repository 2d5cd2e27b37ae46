package config

import "flag"

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
