// Package currency knows the ISO 4217 currency codes and their minor units.
//
// A [Code] packs the three uppercase letters of a code into a uint16, five bits
// per letter, so that the VM can store a currency beside an amount without a
// string and compare currencies with ==. The zero Code means "no currency", as
// for points, gems and diamonds. [Parse] accepts only codes in the table, so a
// Code from Parse always has a name and minor units.
//
// The table holds the currencies of ISO 4217's list of active codes (list one,
// as published on 2026-01-01) that have minor units (EUR 2, JPY 0, KWD 3,
// CLF 4, ...), including the fund codes (BOV, CHE, CHW, COU, MXV, USN, UYI, UYW)
// and the Arab accounting dinar XAD. It leaves out the codes whose minor
// units ISO gives as "N.A." (precious metals XAU, XAG, XPD, XPT, the units
// XBA-XBD, XDR, XSU, XUA, and the test and no-currency codes XTS, XXX),
// because promoc rounds money to minor units; and codes that are not ISO at
// all, such as BTC. Five codes withdrawn recently (ANG, BGN, CUC, SLL, ZWL) are
// kept so that host systems and transaction data that still use them work.
//
// The table is a constant; the package has no mutable state.
package currency
