import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSshKeys,
  encodeSshKeys,
  formatFeatures,
  formatMountPoint,
  formatNet,
  formatStartup,
  MOUNT_FORMAT,
  NET_FORMAT,
  parseAgent,
  parseFeatures,
  parseMountPoint,
  parseNet,
  parsePropertyString,
  parseStartup,
  propertyStringsEqual,
  propertyStringSatisfies,
} from '../../src/proxmox/property-strings';
import { diffLxcConfig, lxcSettingsToConfig } from '../../src/proxmox/lxc-settings';

test('net0 round trip keeps PVE key order and values', () => {
  const net = { name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.5/24', gw: '10.0.0.1', hwaddr: 'BC:24:11:AA:BB:CC', firewall: true };
  const s = formatNet(net);
  assert.equal(s, 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=10.0.0.5/24,gw=10.0.0.1,firewall=1');
  assert.deepEqual(parseNet(s), { ...net, tag: undefined, mtu: undefined, rate: undefined });
});

test('mount points, startup, features, agent parse with their default keys', () => {
  assert.deepEqual(parseMountPoint('local-zfs:subvol-901-disk-1,mp=/models,ro=1,mountoptions=noatime;nodev'), {
    volume: 'local-zfs:subvol-901-disk-1',
    mp: '/models',
    ro: true,
    mountoptions: ['noatime', 'nodev'],
  });
  assert.equal(formatMountPoint({ volume: '/mnt/models', mp: '/models', ro: true }), '/mnt/models,mp=/models,ro=1');
  assert.deepEqual(parseStartup('2,up=30'), { order: 2, up: 30, down: undefined });
  assert.equal(formatStartup({ order: 2, up: 30, down: 30 }), 'order=2,up=30,down=30');
  assert.deepEqual(parseFeatures('keyctl=1,nesting=1,mount=nfs;cifs'), { keyctl: true, nesting: true, mount: ['nfs', 'cifs'] });
  assert.equal(formatFeatures({ nesting: true, keyctl: false }), 'nesting=1');
  assert.equal(parseAgent('1').enabled, true);
  assert.equal(parseAgent('enabled=0,type=virtio').enabled, false);
});

test('comparison is order-insensitive and folds boolean spellings', () => {
  assert.ok(propertyStringsEqual('nesting=1,keyctl=1', 'keyctl=true,nesting=yes'));
  assert.ok(!propertyStringsEqual('nesting=1', 'nesting=1,keyctl=1'));
  assert.ok(propertyStringSatisfies('name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth', 'bridge=vmbr0,name=eth0,ip=dhcp', NET_FORMAT));
  assert.ok(!propertyStringSatisfies('name=eth0,bridge=vmbr0,ip=dhcp,firewall=1', 'name=eth0,bridge=vmbr0,ip=dhcp', NET_FORMAT));
  assert.ok(propertyStringSatisfies('name=eth0,bridge=vmbr0,hwaddr=bc:24:11:00:00:01', 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01', NET_FORMAT));
  assert.ok(propertyStringSatisfies('local-zfs:subvol-1-disk-1,mp=/d,size=32G', 'local-zfs:subvol-1-disk-1,mp=/d', MOUNT_FORMAT));
});

test('values that would change the meaning of a property string are refused', () => {
  assert.throws(() => formatNet({ name: 'eth0', bridge: 'vmbr0,firewall=1' }), /must not contain ','/);
  assert.throws(() => formatNet({ name: 'eth0\n', bridge: 'vmbr0' }), /line breaks/);
  assert.throws(() => parsePropertyString('name=eth0,name=eth1'), /duplicate key/);
  assert.throws(() => parsePropertyString('bogus,name=eth0'), /not key=value/);
});

test('sshkeys are percent-encoded once with %20, never +', () => {
  const keys = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn0pT7V6 ops@phoenix', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== second key'];
  const enc = encodeSshKeys(keys);
  assert.match(enc, /^[-%a-zA-Z0-9_.!~*'()]*$/, 'only characters PVE accepts');
  assert.ok(enc.includes('%20') && !enc.includes('+') && enc.includes('%0A'));
  assert.deepEqual(decodeSshKeys(enc), keys);
  assert.throws(() => encodeSshKeys(['not a key; rm -rf /']), /not an OpenSSH public key/);
});

test('desired LXC settings map to PVE keys; the diff keeps only changes and routes root-only keys to SSH', () => {
  const desired = lxcSettingsToConfig({
    hostname: 'vllm-qwen',
    cores: 8,
    memoryMb: 16384,
    swapMb: 512,
    nets: { 0: { name: 'eth0', bridge: 'vmbr0', ip: '10.0.0.150/24', gw: '10.0.0.1' } },
    onboot: true,
    startup: { order: 3, up: 30, down: 30 },
    features: { nesting: true, keyctl: true },
    mountPoints: { 0: '/mnt/models,mp=/models,ro=1', 1: 'local-zfs:32,mp=/data' },
    devices: { 0: '/dev/nvidia0,mode=0666' },
  });
  assert.equal(desired.memory, 16384);
  assert.equal(desired.onboot, 1);
  const live = {
    hostname: 'vllm-qwen',
    cores: 4,
    memory: 16384,
    swap: 512,
    unprivileged: 1,
    net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:12:34:56,ip=10.0.0.150/24,gw=10.0.0.1,type=veth',
    onboot: 1,
    startup: 'order=3,up=30,down=30',
    features: 'nesting=1',
    digest: 'abc',
  };
  const diff = diffLxcConfig(live, desired);
  assert.deepEqual(diff.api, { cores: 8, mp1: 'local-zfs:32,mp=/data' });
  assert.deepEqual(Object.keys(diff.rootOnly).sort(), ['dev0', 'features', 'mp0']);
  assert.match(diff.rootOnlyReasons.mp0!, /bind/);
  assert.match(diff.rootOnlyReasons.features!, /keyctl/);
  assert.deepEqual(diff.unchanged.sort(), ['hostname', 'memory', 'net0', 'onboot', 'startup', 'swap']);
  // nesting alone on an unprivileged CT is fine for a token; any flag on a privileged CT is not
  assert.deepEqual(diffLxcConfig({ unprivileged: 1 }, { features: 'nesting=1' }).api, { features: 'nesting=1' });
  assert.deepEqual(Object.keys(diffLxcConfig({ unprivileged: 0 }, { features: 'nesting=1' }).rootOnly), ['features']);
});
