# SPDX-License-Identifier: GPL-2.0-only
# The entries of Documentation/ABI/testing/sysfs-kernel-mm-pshare as a reST
# definition list, for the man page pshare(4): the file's name, then its
# description, one indentation level deep. "make man" puts it in place of
# the comment ".. pshare-sysfs-files" of pshare.4.rst, so that the sysfs
# files are described once, in the ABI document.
/^What:/ { n = split($2, p, "/"); name = p[n]; next }
/^(Date|Contact|Users):/ { next }
/^Description:/ { printf "``%s``\n", name; body = 1; next }
/^$/ { if (body) print ""; next }
/^[ \t]/ && body { sub(/^\t\t/, ""); sub(/^\t/, ""); print "    " $0; next }
