# Generates the fixture proposals staging1.json and staging2.json (two staging
# hosts) with correct edge ids (FNV-1a 64 of from NUL to NUL proto port, top 48
# bits, as rules/proposal.schema.json says).  Run from this directory.
import json, sys
P={'tcp':6,'udp':17,'icmp':1,'icmpv6':58}
def eid(e):
    h=0xcbf29ce484222325
    data=e['from'].encode()+b'\0'+e['to'].encode()+b'\0'+bytes([P[e['proto']], e.get('port',0)>>8, e.get('port',0)&255])
    for b in data:
        h^=b; h=(h*0x100000001b3)&0xffffffffffffffff
    return '%012x'%(h>>16)
def edge(frm,to,proto,port,fz,tz,packets,first,last,days,runs,samples):
    e={'id':'','from':frm,'to':to,'proto':proto}
    if port: e['port']=port
    if fz: e['from_zone']=fz
    if tz: e['to_zone']=tz
    e.update(packets=packets,first_seen=first,last_seen=last,days=days,runs=runs,samples=[{'from':a,'to':b} for a,b in sorted(set(samples))][:5])
    e['id']=eid(e)
    return e
A=[
 edge('web','api','tcp',8080,'web','app',1200,'2026-01-05T08:00:00Z','2026-01-07T20:00:00Z',['2026-01-05','2026-01-07'],['staging1-r1'],[('10.89.1.2','10.89.2.3')]),
 edge('api','db','tcp',5432,'app','data',800,'2026-01-05T08:01:00Z','2026-01-06T10:00:00Z',['2026-01-05','2026-01-06'],['staging1-r1'],[('10.89.2.3','10.89.3.4')]),
 edge('web','db','tcp',5432,'web','data',3,'2026-01-06T03:00:00Z','2026-01-06T03:00:05Z',['2026-01-06'],['staging1-r1'],[('10.89.1.2','10.89.3.4')]),
 edge('api','unknown:203.0.113.7','tcp',443,'app','internet',40,'2026-01-05T09:00:00Z','2026-01-07T09:00:00Z',['2026-01-05','2026-01-07'],['staging1-r1'],[('10.89.2.3','203.0.113.7')]),
 edge('worker','api','tcp',8080,'app','app',1,'2026-01-06T12:00:00Z','2026-01-06T12:00:00Z',['2026-01-06'],['staging1-r1'],[('10.89.2.9','10.89.2.3')]),
 edge('web','api','icmp',0,'web','app',10,'2026-01-05T08:00:00Z','2026-01-07T08:00:00Z',['2026-01-05','2026-01-07'],['staging1-r1'],[('10.89.1.2','10.89.2.3')]),
 edge('db','unknown:198.51.100.9','tcp',443,'data','internet',7,'2026-01-07T01:00:00Z','2026-01-07T01:10:00Z',['2026-01-07'],['staging1-r1'],[('10.89.3.4','198.51.100.9')]),
]
B=[
 edge('web','api','tcp',8080,'web','app',300,'2026-01-04T23:00:00Z','2026-01-08T01:00:00Z',['2026-01-04','2026-01-08'],['staging2-r1'],[('10.89.1.7','10.89.2.8'),('10.89.1.2','10.89.2.3')]),
 edge('api','cache','tcp',6379,'app','data',5000,'2026-01-05T00:00:00Z','2026-01-08T00:00:00Z',['2026-01-05','2026-01-08'],['staging2-r1'],[('10.89.2.8','10.89.3.9')]),
 edge('worker','api','tcp',8080,'app','app',2,'2026-01-07T12:00:00Z','2026-01-07T12:00:01Z',['2026-01-07'],['staging2-r1'],[('10.89.2.10','10.89.2.8')]),
]
for name,E in (('staging1.json',A),('staging2.json',B)):
    E.sort(key=lambda e:(e['from'],e['to'],P[e['proto']],e.get('port',0)))
    open(name,'w').write(json.dumps({'version':1,'edges':E},indent=2)+'\n')
