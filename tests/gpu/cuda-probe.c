/* What a Nix-built CUDA program does to find the driver: dlopen
 * libcuda.so.1 by name, found through its RUNPATH's /run/opengl-driver/lib
 * (nixpkgs' addDriverRunpath), then cuInit and cuDriverGetVersion.
 * Linked against the store's glibc (its loader and RUNPATH), so it runs
 * with /usr hidden. Prints "cuda driver version N", or why not. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW);
	int (*init)(unsigned int);
	int (*version)(int *);
	int v = 0;

	if (!h) {
		fprintf(stderr, "cuda-probe: %s\n", dlerror());
		return 1;
	}
	init = (int (*)(unsigned int))dlsym(h, "cuInit");
	version = (int (*)(int *))dlsym(h, "cuDriverGetVersion");
	if (!init || !version || init(0) != 0 || version(&v) != 0) {
		fprintf(stderr, "cuda-probe: the driver's calls failed\n");
		return 2;
	}
	printf("cuda driver version %d\n", v);
	return 0;
}
