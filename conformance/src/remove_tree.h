/* remove_tree: delete a directory and everything under it (rm -rf), never
 * following symlinks. For the runner's own temp dirs only. */
#ifndef DERPCHECK_REMOVE_TREE_H
#define DERPCHECK_REMOVE_TREE_H

void remove_tree(const char *path);

#endif
