/* a C helper, so that the tree has extension sources */
