/* A stand-in for the NVIDIA driver's libcuda.so.1 on GPU-less test
 * machines: the two calls a CUDA program makes first. */
#define STANDIN_DRIVER_VERSION 12040

int cuInit(unsigned int flags)
{
	return flags == 0 ? 0 : 1; /* CUDA_SUCCESS, CUDA_ERROR_INVALID_VALUE */
}

int cuDriverGetVersion(int *version)
{
	if (!version)
		return 1;
	*version = STANDIN_DRIVER_VERSION;
	return 0;
}
