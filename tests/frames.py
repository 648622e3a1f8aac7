#!/usr/bin/python3
"""Frames a container could send, and a catcher for them (tests only).

Run inside the namespace whose interface sends or receives:
  frames.py udp IFACE KIND DSTMAC SRCIP DSTIP
      a UDP datagram to DSTIP:7777 carrying "zw-KIND" from IFACE's own MAC:
      KIND udp (untagged), vid0 (in an 802.1Q tag of VLAN id 0), ad0 (an
      802.1ad one), raw (the same bytes under ether type 0x88b5)
  frames.py nd6 IFACE KIND SRC [TARGET]
      from IFACE's MAC and the IPv6 address SRC to all nodes: KIND ra (a
      router advertisement: route through me), redirect, or na (an
      unsolicited neighbour advertisement with the override flag: TARGET is
      at my MAC)
  frames.py catch IFACE SECONDS KIND...
      prints "ready", then for SECONDS "KIND:app" for a datagram the UDP
      socket on port 7777 read and "KIND:wire" for a frame seen on IFACE
"""
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s, s.getsockname()[4]


def send_udp(iface, kind, dmac, src, dst):
    s, smac = raw_socket(iface)
    data = b"zw-" + kind.encode()
    udp = struct.pack("!HHHH", 40000, 7777, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    tag = {"udp": b"", "vid0": b"\x81\x00\x00\x00", "ad0": b"\x88\xa8\x00\x00", "raw": b""}[kind]
    etype = b"\x88\xb5" if kind == "raw" else b"\x08\x00"
    s.send(bytes.fromhex(dmac.replace(":", "")) + smac + tag + etype + ip + udp)


def send_nd6(iface, kind, src, target="::"):
    s, mac = raw_socket(iface)
    src, target = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, target)
    dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
    if kind == "ra":	# hop limit 64, router lifetime 1800 s, source link-layer address
        body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + b"\x01\x01" + mac
    elif kind == "na":	# override flag, target, target link-layer address
        body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + b"\x02\x01" + mac
    else:		# redirect: target (the "better" first hop: us), destination
        body = struct.pack("!BBHI", 137, 0, 0, 0) + src + \
            socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58) + body
    body = body[:2] + struct.pack("!H", checksum(pseudo)) + body[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    s.send(b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + ip6 + body)


def catch(iface, seconds, kinds):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 7777))
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    p.bind((iface, 0))
    print("ready", flush=True)
    seen, end = set(), time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([u, p], [], [], max(0, end - time.time()))
        for sk in ready:
            data = sk.recv(2048)
            for k in kinds:
                if (b"zw-" + k.encode()) in data and (k, sk is u) not in seen:
                    seen.add((k, sk is u))
                    print(k + (":app" if sk is u else ":wire"), flush=True)


def main(argv):
    if len(argv) == 7 and argv[1] == "udp":
        send_udp(*argv[2:])
    elif len(argv) in (5, 6) and argv[1] == "nd6":
        send_nd6(*argv[2:])
    elif len(argv) >= 5 and argv[1] == "catch":
        catch(argv[2], float(argv[3]), argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
