/* The oracle of TestEnvFileAsSystemd: reads an env file with systemd's own
 * code, as the service manager reads EnvironmentFile= (load_env_file, then
 * strv_env_clean_with_callback, which drops invalid assignments), from the
 * libsystemd-shared that systemd itself uses. Prints one record per line:
 * "error N" when the whole file is refused, "drop KEY=VALUE" for each
 * assignment dropped, "set KEY=VALUE" for each one applied, values quoted
 * with C escapes for \n, \r, \t, \\ and bytes below 0x20. */
#include <stdio.h>
#include <stdlib.h>

int load_env_file(FILE *f, const char *fname, char ***ret);
char **strv_env_clean_with_callback(char **l, void (*invalid)(const char *p, void *userdata), void *userdata);

static void put(const char *what, const char *s) {
	fputs(what, stdout);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('\n');
}

static void invalid(const char *p, void *userdata) {
	(void)userdata;
	put("drop ", p);
}

int main(int argc, char **argv) {
	char **l = NULL;
	if (argc != 2)
		return 2;
	int r = load_env_file(NULL, argv[1], &l);
	if (r < 0) {
		printf("error %d\n", -r);
		return 0;
	}
	l = strv_env_clean_with_callback(l, invalid, NULL);
	for (char **p = l; p && *p; p++)
		put("set ", *p);
	return 0;
}
