def work(n):
    log = []
    log.append("start")  # start
    log.append("skipped")  # skipped
    for i in range(n):
        log.append(i)  # loop
    log.append("end")  # end
    return log


def helper():
    return "helper"  # elsewhere


total = work(2)
print("log", total)
print(
    "a very long line that does not fit the source pane at all, so the pane has a horizontal scrollbar", total
)
for k in range(40):
    total.append(k)  # many lines below
print("done")
