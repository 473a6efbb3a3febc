# Turns lane.tbl into Promela: one array per decision, indexed by its inputs,
# filled by the inline tbl_init(). Commands: NONE 0, OPEN 1, LOCK 2, FREE 3.
function v(s) { return s == "NONE" ? 0 : s == "OPEN" ? 1 : s == "LOCK" ? 2 : s == "FREE" ? 3 : s + 0 }
BEGIN { print "/* Generated from lane.tbl by tbl2pml.awk: do not edit. */"
	print "byte t_grant[4]; byte t_send[8]; byte t_answer[4]; byte t_reset[8]; byte t_load[4]; byte t_status[2];"
	print "inline tbl_init() {" }
/^(#|$)/ { next }
$1 == "grant" || $1 == "answer" || $1 == "load" { printf "\tt_%s[%d] = %d;\n", $1, $2 * 2 + $3, v($5); n++; next }
$1 == "status" { printf "\tt_status[%d] = %d;\n", $2, v($4); n++; next }
$1 == "send" { printf "\tt_send[%d] = %d;\n", $2 * 4 + v($3), v($5); n++; next }
$1 == "reset" { printf "\tt_reset[%d] = %d;\n", $2 * 4 + $3 * 2 + $4, v($6); n++; next }
{ print "tbl2pml: bad row: " $0 > "/dev/stderr"; exit 1 }
END { print "}"; if (n != 28) { print "tbl2pml: " n " rows, not 28" > "/dev/stderr"; exit 1 } }
