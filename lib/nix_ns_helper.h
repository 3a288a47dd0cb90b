/* The helper process that builds a view (nix_namespace.h's create), and
 * the messages it exchanges with its creator, root, over a socket pair.
 *
 * The helper reads as the job's life of a view: enter the base mount
 * namespace, apply the host stage as root, become the user (open the store,
 * find the closure and GPU libraries), create or join the user namespace
 * (or stay root's without one), make the namespace pinnable, reopen the
 * store inside it, apply the user stage, report ready and wait to be
 * pinned. Every failure is sent as MSG_ERROR and ends the helper. */
#ifndef SPANK_NIX_NS_HELPER_H
#define SPANK_NIX_NS_HELPER_H

#include <stdint.h>
#include <sys/types.h>

#include "nix_namespace.h"

/* Helper <-> creator messages, one datagram each. */
#define MSG_NEED_MAPS 'U' /* helper: my user namespace needs id maps */
#define MSG_MAPS_DONE 'M' /* creator: written */
#define MSG_READY     'R' /* helper: view built, pin me */
#define MSG_ERROR     'E' /* helper: followed by the reason */
#define MSG_SERVER    'S' /* helper: an image's FUSE server, its pid */

/* Send one message: its kind, then text (NULL: none), cut to NIX_ERR_MAX. */
void nix_ns_send_msg(int sock, char kind, const char *text);

/* The id of the mount namespace we are in; 0 where the kernel has no ids. */
uint64_t nix_own_mntns_id(void);

/* The helper: runs in a fresh process forked by nix_ns_create, builds the
 * view for req and reports on sock; pinner_id is its creator's mount
 * namespace id (the namespace that will pin the view's). */
_Noreturn void nix_ns_helper_main(int sock, const struct nix_ns_request *req,
				  pid_t creator, uint64_t pinner_id);

#endif
