#include <slurm/spank.h>
SPANK_PLUGIN(nix, 1);
