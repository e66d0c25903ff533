"""Richards: an OS task scheduler simulation (after the classic benchmark); many small method calls."""

from __future__ import annotations

I_IDLE, I_WORK, I_HANDLERA, I_HANDLERB, I_DEVA, I_DEVB = 1, 2, 3, 4, 5, 6
K_DEV, K_WORK = 1000, 1001
BUFSIZE = 4
BUFSIZE_RANGE = range(BUFSIZE)


class Packet:
    def __init__(self, link: Packet | None, ident: int, kind: int) -> None:
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE

    def append_to(self, lst: Packet | None) -> Packet:
        self.link = None
        if lst is None:
            return self
        p = lst
        nxt = p.link
        while nxt is not None:
            p = nxt
            nxt = p.link
        p.link = self
        return lst


class TaskRec:
    pass


class DeviceTaskRec(TaskRec):
    def __init__(self) -> None:
        self.pending: Packet | None = None


class IdleTaskRec(TaskRec):
    def __init__(self) -> None:
        self.control = 1
        self.count = 10000


class HandlerTaskRec(TaskRec):
    def __init__(self) -> None:
        self.work_in: Packet | None = None
        self.device_in: Packet | None = None

    def work_in_add(self, p: Packet) -> Packet:
        self.work_in = p.append_to(self.work_in)
        return self.work_in

    def device_in_add(self, p: Packet) -> Packet:
        self.device_in = p.append_to(self.device_in)
        return self.device_in


class WorkerTaskRec(TaskRec):
    def __init__(self) -> None:
        self.destination = I_HANDLERA
        self.count = 0


class TaskState:
    def __init__(self) -> None:
        self.packet_pending = True
        self.task_waiting = False
        self.task_holding = False

    def packet_pending_state(self) -> TaskState:
        self.packet_pending = True
        self.task_waiting = False
        self.task_holding = False
        return self

    def waiting(self) -> TaskState:
        self.packet_pending = False
        self.task_waiting = True
        self.task_holding = False
        return self

    def running(self) -> TaskState:
        self.packet_pending = False
        self.task_waiting = False
        self.task_holding = False
        return self

    def waiting_with_packet(self) -> TaskState:
        self.packet_pending = True
        self.task_waiting = True
        self.task_holding = False
        return self

    def is_packet_pending(self) -> bool:
        return self.packet_pending

    def is_task_waiting(self) -> bool:
        return self.task_waiting

    def is_task_holding(self) -> bool:
        return self.task_holding

    def is_task_holding_or_waiting(self) -> bool:
        return self.task_holding or (not self.packet_pending and self.task_waiting)

    def is_waiting_with_packet(self) -> bool:
        return self.packet_pending and self.task_waiting and not self.task_holding


class TaskWorkArea:
    def __init__(self) -> None:
        self.task_tab: list[Task | None] = [None] * 10
        self.task_list: Task | None = None
        self.hold_count = 0
        self.qpkt_count = 0


class Task(TaskState):
    def __init__(self, wa: TaskWorkArea, i: int, p: int, w: Packet | None, initial: TaskState, r: TaskRec):
        super().__init__()
        self.wa = wa
        self.link = wa.task_list
        self.ident = i
        self.priority = p
        self.input = w
        self.packet_pending = initial.is_packet_pending()
        self.task_waiting = initial.is_task_waiting()
        self.task_holding = initial.is_task_holding()
        self.handle = r
        wa.task_list = self
        wa.task_tab[i] = self

    def fn(self, pkt: Packet | None, r: TaskRec) -> Task | None:
        raise NotImplementedError

    def add_packet(self, p: Packet, old: Task) -> Task:
        if self.input is None:
            self.input = p
            self.packet_pending = True
            if self.priority > old.priority:
                return self
        else:
            p.append_to(self.input)
        return old

    def run_task(self) -> Task | None:
        if self.is_waiting_with_packet():
            msg = self.input
            assert msg is not None
            self.input = msg.link
            if self.input is None:
                self.running()
            else:
                self.packet_pending_state()
        else:
            msg = None
        return self.fn(msg, self.handle)

    def wait_task(self) -> Task:
        self.task_waiting = True
        return self

    def hold(self) -> Task | None:
        self.wa.hold_count += 1
        self.task_holding = True
        return self.link

    def release(self, i: int) -> Task:
        t = self.find_tcb(i)
        t.task_holding = False
        if t.priority > self.priority:
            return t
        return self

    def qpkt(self, pkt: Packet) -> Task:
        t = self.find_tcb(pkt.ident)
        self.wa.qpkt_count += 1
        pkt.link = None
        pkt.ident = self.ident
        return t.add_packet(pkt, self)

    def find_tcb(self, ident: int) -> Task:
        t = self.wa.task_tab[ident]
        if t is None:
            raise LookupError(f"bad task id {ident}")  # BENCH-BP
        return t


class DeviceTask(Task):
    def fn(self, pkt: Packet | None, r: TaskRec) -> Task | None:
        assert isinstance(r, DeviceTaskRec)
        if pkt is None:
            pkt = r.pending
            if pkt is None:
                return self.wait_task()
            r.pending = None
            return self.qpkt(pkt)
        r.pending = pkt
        return self.hold()


class HandlerTask(Task):
    def fn(self, pkt: Packet | None, r: TaskRec) -> Task | None:
        assert isinstance(r, HandlerTaskRec)
        if pkt is not None:
            if pkt.kind == K_WORK:
                r.work_in_add(pkt)
            else:
                r.device_in_add(pkt)
        work = r.work_in
        if work is None:
            return self.wait_task()
        count = work.datum
        if count >= BUFSIZE:
            r.work_in = work.link
            return self.qpkt(work)
        dev = r.device_in
        if dev is None:
            return self.wait_task()
        r.device_in = dev.link
        dev.datum = work.data[count]
        work.datum = count + 1
        return self.qpkt(dev)


class IdleTask(Task):
    def fn(self, pkt: Packet | None, r: TaskRec) -> Task | None:
        assert isinstance(r, IdleTaskRec)
        r.count -= 1
        if r.count == 0:
            return self.hold()
        if r.control & 1 == 0:
            r.control //= 2
            return self.release(I_DEVA)
        r.control = r.control // 2 ^ 0xD008
        return self.release(I_DEVB)


A = ord("A")


class WorkTask(Task):
    def fn(self, pkt: Packet | None, r: TaskRec) -> Task | None:
        assert isinstance(r, WorkerTaskRec)
        if pkt is None:
            return self.wait_task()
        dest = I_HANDLERB if r.destination == I_HANDLERA else I_HANDLERA
        r.destination = dest
        pkt.ident = dest
        pkt.datum = 0
        for i in BUFSIZE_RANGE:
            r.count += 1
            if r.count > 26:
                r.count = 1
            pkt.data[i] = A + r.count - 1
        return self.qpkt(pkt)


def schedule(wa: TaskWorkArea) -> None:
    t = wa.task_list
    while t is not None:
        t = t.link if t.is_task_holding_or_waiting() else t.run_task()


def run_once() -> bool:
    wa = TaskWorkArea()
    IdleTask(wa, I_IDLE, 1, None, TaskState().running(), IdleTaskRec())
    wkq = Packet(None, 0, K_WORK)
    wkq = Packet(wkq, 0, K_WORK)
    WorkTask(wa, I_WORK, 1000, wkq, TaskState().waiting_with_packet(), WorkerTaskRec())
    wkq = Packet(None, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    HandlerTask(wa, I_HANDLERA, 2000, wkq, TaskState().waiting_with_packet(), HandlerTaskRec())
    wkq = Packet(None, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    HandlerTask(wa, I_HANDLERB, 3000, wkq, TaskState().waiting_with_packet(), HandlerTaskRec())
    DeviceTask(wa, I_DEVA, 4000, None, TaskState().waiting(), DeviceTaskRec())
    DeviceTask(wa, I_DEVB, 5000, None, TaskState().waiting(), DeviceTaskRec())
    schedule(wa)
    return wa.hold_count == 9297 and wa.qpkt_count == 23246


def run(iterations: int) -> None:
    for _ in range(iterations):
        if not run_once():
            raise AssertionError("richards gave a wrong result")
