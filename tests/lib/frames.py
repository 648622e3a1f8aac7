#!/usr/bin/python3
"""Frames a container could send, and a catcher for them (tests only).

Run inside the namespace whose interface sends or receives:
  frames.py udp IFACE KIND DSTMAC SRCIP DSTIP [MARK]
      a UDP datagram to DSTIP:7777 carrying "zw-KIND" (or "zw-MARK") from
      IFACE's own MAC:
      KIND udp (untagged), vid0 (in an 802.1Q tag of VLAN id 0), ad0 (an
      802.1ad one), raw (the same bytes under ether type 0x88b5)
  frames.py nd6 IFACE KIND SRC [TARGET]
      from IFACE's MAC and the IPv6 address SRC to all nodes: KIND ra (a
      router advertisement: route through me), redirect, na (an
      unsolicited neighbour advertisement with the override flag: TARGET is
      at my MAC) or ns (a solicitation for TARGET: SRC is at my MAC)
  frames.py l2 IFACE DSTMAC SRCMAC KIND
      an ether type 0x88b5 frame "zw-KIND" from the source MAC SRCMAC
  frames.py arp IFACE DSTMAC SENDERIP SENDERMAC TARGETIP
      an ARP reply from IFACE's MAC claiming SENDERIP is at SENDERMAC
  frames.py icmperr IFACE DSTMAC SRC DST ISRC ISPORT IDST IDPORT KIND
      an ICMP port unreachable SRC -> DST quoting a TCP segment
      ISRC:ISPORT -> IDST:IDPORT, then "zw-KIND"
  frames.py catch IFACE SECONDS KIND...
      prints "ready" once the UDP socket on port 7777 and the capture on
      IFACE are bound, then for SECONDS "KIND:app" for a datagram the socket
      read and "KIND:wire" for a frame seen on IFACE, each once; SIGTERM ends
      it early (exit 0), for a caller that has seen what it waited for
"""
import select
import signal
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


def send_udp(iface, kind, dmac, src, dst, mark=None):
    s, smac = raw_socket(iface)
    data = b"zw-" + (mark or kind).encode()
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
    if kind == "ns":	# target, source link-layer address: SRC is at my MAC
        sol = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + target[13:]
        send_icmp6(s, mac, b"\x33\x33" + sol[12:], src, sol,
                   struct.pack("!BBHI", 135, 0, 0, 0) + target + b"\x01\x01" + mac)
        return
    if kind == "ra":	# hop limit 64, router lifetime 1800 s, source link-layer address
        body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + b"\x01\x01" + mac
    elif kind == "na":	# override flag, target, target link-layer address
        body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + b"\x02\x01" + mac
    else:		# redirect: target (the "better" first hop: us), destination
        body = struct.pack("!BBHI", 137, 0, 0, 0) + src + \
            socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    send_icmp6(s, mac, b"\x33\x33\x00\x00\x00\x01", src, dst, body)


def send_icmp6(s, mac, dmac, src, dst, body):
    """ICMPv6 BODY (its checksum filled in) from SRC to DST, hop limit 255"""
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58) + body
    body = body[:2] + struct.pack("!H", checksum(pseudo)) + body[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    s.send(dmac + mac + b"\x86\xdd" + ip6 + body)


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def send_l2(iface, dmac, smac, kind):
    """an ether type 0x88b5 frame "zw-KIND" from source MAC SMAC (not IFACE's own)"""
    s, _ = raw_socket(iface)
    s.send(mac_bytes(dmac) + mac_bytes(smac) + b"\x88\xb5" + b"zw-" + kind.encode() + bytes(40))


def send_arp(iface, dmac, sender_ip, sender_mac, target_ip):
    """an ARP reply to DMAC: SENDER_IP is at SENDER_MAC (the frame is from IFACE's MAC)"""
    s, smac = raw_socket(iface)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac_bytes(sender_mac) + \
        socket.inet_aton(sender_ip) + mac_bytes(dmac) + socket.inet_aton(target_ip)
    s.send(mac_bytes(dmac) + smac + b"\x08\x06" + arp + bytes(18))


def ipv4(src, dst, proto, payload, ident=1):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + payload


def send_icmp_error(iface, dmac, src, dst, isrc, isport, idst, idport, kind):
    """to DMAC, an ICMP port unreachable from SRC to DST quoting a TCP segment
    ISRC:ISPORT -> IDST:IDPORT (its first 8 bytes, then "zw-KIND")"""
    s, smac = raw_socket(iface)
    tcp8 = struct.pack("!HHI", int(isport), int(idport), 1)
    inner = ipv4(isrc, idst, 6, tcp8 + b"zw-" + kind.encode(), ident=2)
    body = struct.pack("!BBHI", 3, 3, 0, 0) + inner
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    s.send(mac_bytes(dmac) + smac + b"\x08\x00" + ipv4(src, dst, 1, body))


def catch(iface, seconds, kinds):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 7777))
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    p.bind((iface, 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
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
    if len(argv) in (7, 8) and argv[1] == "udp":
        send_udp(*argv[2:])
    elif len(argv) == 6 and argv[1] == "l2":
        send_l2(*argv[2:])
    elif len(argv) == 7 and argv[1] == "arp":
        send_arp(*argv[2:])
    elif len(argv) == 11 and argv[1] == "icmperr":
        send_icmp_error(*argv[2:])
    elif len(argv) in (5, 6) and argv[1] == "nd6":
        send_nd6(*argv[2:])
    elif len(argv) >= 5 and argv[1] == "catch":
        catch(argv[2], float(argv[3]), argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
