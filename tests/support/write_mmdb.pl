#!/usr/bin/perl
# Writes the country ranges of a liaison/ip-location-db data directory as an MMDB file with
# MaxMind's own writer (Debian libmaxmind-db-writer-perl), for the agreement test of
# src/jurisdiction/mmdb_agreement_test.cpp. Rows are inserted in file order and a later range
# replaces an earlier one where they overlap: the rule the ip-location-db CSVs follow.
# Usage: write_mmdb.pl DATA_DIR OUT.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($dir, $out) = @ARGV;
die "usage: $0 DATA_DIR OUT.mmdb\n" unless defined $out;

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 32,
    database_type            => 'liaison-fixture-country',
    languages                => ['en'],
    description              => { en => 'liaison jurisdiction test fixture' },
    map_key_type_callback    => sub { 'utf8_string' },
    remove_reserved_networks => 0,
    merge_strategy           => 'none',
);

for my $file ("geo-whois-asn-country-ipv4.csv", "geo-whois-asn-country-ipv6.csv") {
    open(my $in, '<', "$dir/$file") or die "cannot read $dir/$file: $!\n";
    while (my $line = <$in>) {
        chomp $line;
        next if $line eq '';
        my ($first, $last, $country) = split /,/, $line;
        $tree->insert_range($first, $last, { country_code => $country });
    }
    close $in;
}
open(my $fh, '>:raw', $out) or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh;
