"""Asks a process's X11 windows to close exactly as a window manager's close button does: a
WM_DELETE_WINDOW client message (ICCCM), which GTK turns into the same close request.
Usage: python3 scripts/x11-close.py PID  (exit 0 when at least one window was asked, 1 when none)."""
import ctypes
import ctypes.util
import sys

x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
Window = ctypes.c_ulong
Atom = ctypes.c_ulong


class ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", Window),
        ("message_type", Atom),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]


x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XDefaultRootWindow.restype = Window
x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x.XInternAtom.restype = Atom
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window),
                         ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint)]
x.XGetWindowProperty.argtypes = [ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long,
                                 ctypes.c_int, Atom, ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int),
                                 ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.c_void_p)]
x.XGetWMProtocols.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(ctypes.POINTER(Atom)),
                              ctypes.POINTER(ctypes.c_int)]
x.XSendEvent.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
x.XFree.argtypes = [ctypes.c_void_p]
x.XFlush.argtypes = [ctypes.c_void_p]


def main():
    pid = int(sys.argv[1])
    display = x.XOpenDisplay(None)
    if not display:
        sys.exit("no X display (is DISPLAY set?)")
    net_wm_pid = x.XInternAtom(display, b"_NET_WM_PID", 0)
    protocols = x.XInternAtom(display, b"WM_PROTOCOLS", 0)
    delete = x.XInternAtom(display, b"WM_DELETE_WINDOW", 0)

    def window_pid(w):
        kind, fmt, n, after, data = Atom(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        if x.XGetWindowProperty(display, w, net_wm_pid, 0, 1, 0, 6, ctypes.byref(kind), ctypes.byref(fmt),
                                ctypes.byref(n), ctypes.byref(after), ctypes.byref(data)) != 0 or not data.value:
            return None
        value = ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0] if n.value else None
        x.XFree(data)
        return value

    def accepts_delete(w):
        atoms, count = ctypes.POINTER(Atom)(), ctypes.c_int()
        if not x.XGetWMProtocols(display, w, ctypes.byref(atoms), ctypes.byref(count)):
            return False
        found = any(atoms[i] == delete for i in range(count.value))
        x.XFree(atoms)
        return found

    root = x.XDefaultRootWindow(display)
    root_ret, parent, children, count = Window(), Window(), ctypes.POINTER(Window)(), ctypes.c_uint()
    x.XQueryTree(display, root, ctypes.byref(root_ret), ctypes.byref(parent), ctypes.byref(children),
                 ctypes.byref(count))
    asked = 0
    for i in range(count.value):
        w = children[i]
        if window_pid(w) == pid and accepts_delete(w):
            event = XEvent()
            event.xclient.type = 33  # ClientMessage
            event.xclient.window = w
            event.xclient.message_type = protocols
            event.xclient.format = 32
            event.xclient.data[0] = delete
            event.xclient.data[1] = 0  # CurrentTime
            x.XSendEvent(display, w, 0, 0, ctypes.byref(event))
            asked += 1
    if children:
        x.XFree(children)
    x.XFlush(display)
    sys.exit(0 if asked else 1)


if __name__ == "__main__":
    main()
