package currency

// entry is the length of one table entry: three letters and the minor units.
const entry = 4

// table lists the currencies, sorted by code, each as its three letters followed
// by its minor units as one digit. It follows ISO 4217 list one as published on
// 2026-01-01, less the codes without minor units, plus the five withdrawn codes
// marked below. A string constant keeps it immutable and String allocation-free.
const table = "" +
	"AED2" + // UAE dirham
	"AFN2" + // Afghan afghani
	"ALL2" + // Albanian lek
	"AMD2" + // Armenian dram
	"ANG2" + // Netherlands Antillean guilder (withdrawn: replaced by XCG in 2025)
	"AOA2" + // Angolan kwanza
	"ARS2" + // Argentine peso
	"AUD2" + // Australian dollar
	"AWG2" + // Aruban florin
	"AZN2" + // Azerbaijani manat
	"BAM2" + // Bosnia and Herzegovina convertible mark
	"BBD2" + // Barbados dollar
	"BDT2" + // Bangladeshi taka
	"BGN2" + // Bulgarian lev (withdrawn: Bulgaria adopted the euro in 2026)
	"BHD3" + // Bahraini dinar
	"BIF0" + // Burundian franc
	"BMD2" + // Bermudian dollar
	"BND2" + // Brunei dollar
	"BOB2" + // Boliviano
	"BOV2" + // Bolivian Mvdol (funds code)
	"BRL2" + // Brazilian real
	"BSD2" + // Bahamian dollar
	"BTN2" + // Bhutanese ngultrum
	"BWP2" + // Botswana pula
	"BYN2" + // Belarusian ruble
	"BZD2" + // Belize dollar
	"CAD2" + // Canadian dollar
	"CDF2" + // Congolese franc
	"CHE2" + // WIR euro (complementary currency)
	"CHF2" + // Swiss franc
	"CHW2" + // WIR franc (complementary currency)
	"CLF4" + // Unidad de Fomento (funds code)
	"CLP0" + // Chilean peso
	"CNY2" + // Renminbi
	"COP2" + // Colombian peso
	"COU2" + // Unidad de Valor Real (funds code)
	"CRC2" + // Costa Rican colon
	"CUC2" + // Cuban convertible peso (withdrawn)
	"CUP2" + // Cuban peso
	"CVE2" + // Cape Verdean escudo
	"CZK2" + // Czech koruna
	"DJF0" + // Djiboutian franc
	"DKK2" + // Danish krone
	"DOP2" + // Dominican peso
	"DZD2" + // Algerian dinar
	"EGP2" + // Egyptian pound
	"ERN2" + // Eritrean nakfa
	"ETB2" + // Ethiopian birr
	"EUR2" + // Euro
	"FJD2" + // Fiji dollar
	"FKP2" + // Falkland Islands pound
	"GBP2" + // Pound sterling
	"GEL2" + // Georgian lari
	"GHS2" + // Ghanaian cedi
	"GIP2" + // Gibraltar pound
	"GMD2" + // Gambian dalasi
	"GNF0" + // Guinean franc
	"GTQ2" + // Guatemalan quetzal
	"GYD2" + // Guyanese dollar
	"HKD2" + // Hong Kong dollar
	"HNL2" + // Honduran lempira
	"HTG2" + // Haitian gourde
	"HUF2" + // Hungarian forint
	"IDR2" + // Indonesian rupiah
	"ILS2" + // Israeli new shekel
	"INR2" + // Indian rupee
	"IQD3" + // Iraqi dinar
	"IRR2" + // Iranian rial
	"ISK0" + // Icelandic krona
	"JMD2" + // Jamaican dollar
	"JOD3" + // Jordanian dinar
	"JPY0" + // Japanese yen
	"KES2" + // Kenyan shilling
	"KGS2" + // Kyrgyzstani som
	"KHR2" + // Cambodian riel
	"KMF0" + // Comoro franc
	"KPW2" + // North Korean won
	"KRW0" + // South Korean won
	"KWD3" + // Kuwaiti dinar
	"KYD2" + // Cayman Islands dollar
	"KZT2" + // Kazakhstani tenge
	"LAK2" + // Lao kip
	"LBP2" + // Lebanese pound
	"LKR2" + // Sri Lankan rupee
	"LRD2" + // Liberian dollar
	"LSL2" + // Lesotho loti
	"LYD3" + // Libyan dinar
	"MAD2" + // Moroccan dirham
	"MDL2" + // Moldovan leu
	"MGA2" + // Malagasy ariary
	"MKD2" + // Macedonian denar
	"MMK2" + // Myanmar kyat
	"MNT2" + // Mongolian togrog
	"MOP2" + // Macanese pataca
	"MRU2" + // Mauritanian ouguiya
	"MUR2" + // Mauritian rupee
	"MVR2" + // Maldivian rufiyaa
	"MWK2" + // Malawian kwacha
	"MXN2" + // Mexican peso
	"MXV2" + // Mexican Unidad de Inversion (funds code)
	"MYR2" + // Malaysian ringgit
	"MZN2" + // Mozambican metical
	"NAD2" + // Namibian dollar
	"NGN2" + // Nigerian naira
	"NIO2" + // Nicaraguan cordoba
	"NOK2" + // Norwegian krone
	"NPR2" + // Nepalese rupee
	"NZD2" + // New Zealand dollar
	"OMR3" + // Omani rial
	"PAB2" + // Panamanian balboa
	"PEN2" + // Peruvian sol
	"PGK2" + // Papua New Guinean kina
	"PHP2" + // Philippine peso
	"PKR2" + // Pakistani rupee
	"PLN2" + // Polish zloty
	"PYG0" + // Paraguayan guarani
	"QAR2" + // Qatari riyal
	"RON2" + // Romanian leu
	"RSD2" + // Serbian dinar
	"RUB2" + // Russian ruble
	"RWF0" + // Rwandan franc
	"SAR2" + // Saudi riyal
	"SBD2" + // Solomon Islands dollar
	"SCR2" + // Seychelles rupee
	"SDG2" + // Sudanese pound
	"SEK2" + // Swedish krona
	"SGD2" + // Singapore dollar
	"SHP2" + // Saint Helena pound
	"SLE2" + // Sierra Leonean leone
	"SLL2" + // Sierra Leonean leone, old (withdrawn: replaced by SLE)
	"SOS2" + // Somali shilling
	"SRD2" + // Surinamese dollar
	"SSP2" + // South Sudanese pound
	"STN2" + // Sao Tome and Principe dobra
	"SVC2" + // Salvadoran colon
	"SYP2" + // Syrian pound
	"SZL2" + // Swazi lilangeni
	"THB2" + // Thai baht
	"TJS2" + // Tajikistani somoni
	"TMT2" + // Turkmenistan manat
	"TND3" + // Tunisian dinar
	"TOP2" + // Tongan pa'anga
	"TRY2" + // Turkish lira
	"TTD2" + // Trinidad and Tobago dollar
	"TWD2" + // New Taiwan dollar
	"TZS2" + // Tanzanian shilling
	"UAH2" + // Ukrainian hryvnia
	"UGX0" + // Ugandan shilling
	"USD2" + // United States dollar
	"USN2" + // United States dollar, next day (funds code)
	"UYI0" + // Uruguay peso en unidades indexadas (funds code)
	"UYU2" + // Uruguayan peso
	"UYW4" + // Unidad previsional (funds code)
	"UZS2" + // Uzbekistani sum
	"VED2" + // Venezuelan digital bolivar
	"VES2" + // Venezuelan sovereign bolivar
	"VND0" + // Vietnamese dong
	"VUV0" + // Vanuatu vatu
	"WST2" + // Samoan tala
	"XAD2" + // Arab accounting dinar
	"XAF0" + // CFA franc BEAC
	"XCD2" + // East Caribbean dollar
	"XCG2" + // Caribbean guilder
	"XOF0" + // CFA franc BCEAO
	"XPF0" + // CFP franc
	"YER2" + // Yemeni rial
	"ZAR2" + // South African rand
	"ZMW2" + // Zambian kwacha
	"ZWG2" + // Zimbabwe gold
	"ZWL2" // Zimbabwean dollar (withdrawn: replaced by ZWG in 2024)
