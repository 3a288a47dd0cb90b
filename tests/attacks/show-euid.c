/* Installed set-user-ID root in the user's store by the test: prints the
 * ids it runs with (nosuid and no_new_privs: the user's, not root's). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("ruid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
	return 0;
}
