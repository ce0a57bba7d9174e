"""Name, place and school vocabularies for the synthetic generator.

Lists are ordered roughly by frequency: the generator draws with Zipf-like weights, so the first entries
are the common ones (PAYET and HOARAU are the most frequent surnames of La Réunion, MARTIN in France).
All names are fictitious combinations; the lists only carry common French / Réunion / Mayotte names.
"""

from __future__ import annotations


def _split(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


# --- Surnames, by origin -------------------------------------------------------------------------------
SURNAMES: dict[str, list[str]] = {
    # Réunion: Creole/French family names (most common first).
    "reunion": _split("""
        PAYET, HOARAU, GRONDIN, FONTAINE, RIVIERE, ROBERT, LEBON, BOYER, TECHER, MUSSARD, NATIVEL, DIJOUX,
        HOAREAU, LAURET, MAILLOT, SAUTRON, VIENNE, CADET, GRONDIN, BEGUE, FERRERE, ETHEVE, TURPIN, BARRET,
        LEBRETON, HUET, DAMOUR, TECHER, ARNAUD, CERVEAUX, GUEZELLO, CAZAL, FOLIO, ROBERT, GERARD,
        DAMBREVILLE, K/BIDI, BOURBON, ABBEYEM, CRAHONN, CHRISTIAN, HIBON, MOREL, GRAVINA, MOUTOU, LEGROS, VIRAPIN,
        CLAIN, BAILLIF, FLORIS, DUMESNIL, LAFOSSE, MOREL, BELLON, ROUGEMONT, PERRAULT, BOURGOGNE, TARDIEU, LATOUR,
        CORRE, SINAPAYEN, ICHIBAN, FOURNEL, LEICHNIG, PAUSE, PICARD, RIVIERE, SERY, BESSON, LEBEAU, GENCE,
        ROBERT, SAVRIAMA, SALLES, COURTOIS, VITRY, CHANE-KI-CHUNE, TAOCHY, BALLAS, PAYET, BOULLE, CADJEE,
        RICQUEBOURG, ALAMELOU, MAUNIER, LAURENT, CAROUPANIN, POTHIN, ROMANO, DUBARD, SERVEAUX, ASSATI,
        GIGAN, CELESTE, FLORICOURT, MONDON, HOAREAU, DELATRE, LAGOURGUE, BOMMALAIS, GRIMAUD, TIBURCE, VIDOT,
        MALET, DORSEUIL, JAVELLE, MAZEAU, BOYER, LEBIAN, NAZE, TRONC, FLORENTIN, CARPAYE, MAROUVIN, ZITTE,
        BARRET, VELIA, ELISABETH, ROSE, DORO, CAZANOVE, MORNET, ADEKALOM
    """),
    # Réunion: Tamil-origin (Malbar) family names.
    "tamoul": _split("""
        LATCHOUMY, MOUNIAMA, NAGAPIN, VEERAPEN, ARMOUGOM, CANAGUY, SINAMA, RAMASSAMY, MOUTAMA, VIRAMA,
        PERIANAYAGOM, MOUTOUCOMORAPOULE, SOUPRAYEN, MOUNIAPIN, PANECHOU, CAROUPAYE, MOUTOUSSAMY, ANGAMA,
        VAYABOURY, NARAYANIN, COUTAYE, MOUNIGAN, SAMINADIN, PADRE, CALIMOUTOU, RAMOUTAR, PONIN-BALLOM,
        SOUBAYA, MOUTIEN, APAYA, VALAYDON, NALEM, GOVINDIN, PAVADAY, MOUNIEN, CANDASSAMY
    """),
    # Comorian / Mahorais family names (Mayotte, and Comorian families of La Réunion).
    "comorien": _split("""
        ABDOU, MADI, SAID, ATTOUMANI, ANDJILANI, AHAMADA, MOHAMED, SOULAIMANA, ABDALLAH, ALI, HAMADA, COMBO,
        BACAR, HOUMADI, ABDOUFOUSTOFA, MOUSSA, YOUSSOUF, SOIDRI, DAOUD, BOINA, ANLI, MZE, CHANFI, ASSANI,
        AMBDI, HALIDI, ISSOUFI, MOINDJIE, SOUFFOU, ZOUBERT, MADJID, OUSSENI, TOUMBOU, HASSANI, KAMARDINE,
        SAINDOU, MAOULIDA, CHAKIR, DJANFAR, ABOUDOU, SALIME, MRADABI, NOURDINE, ALLAOUI, BOURA
    """),
    # Chinese-origin Réunion family names (Sinoi).
    "chinois": _split("""
        AH-KOON, ACHANE, AH-SOUNE, LAW-YAT, CHANE-KANE, AH-HOT, LI-WAN-PO, AH-SHENG, WONG-HANE, LAI-KAM,
        NG-WING-TIN, THIAW-WING-KAI, CHANE-TO, AH-WAN, FOCK-CHOW-THO, YEN-KOUNG, THIAW-KINE, CHEUNG-LUNG-TING, AH-MOUCK
    """),
    # Indo-Muslim (Zarabe) family names of La Réunion.
    "zarabe": _split("""
        ISSOP, OMARJEE, MOULLAN, PATEL, DINDAR, RAWAT, BHAMJEE, KARIMBHAY, LOCATE, GANY, VALLY, INGAR,
        SULLIMAN, ADAM, ALLY, CADERBHAY
    """),
    # Metropolitan France (INSEE frequency order, then regional and immigrant-origin names).
    "metropole": _split("""
        MARTIN, BERNARD, THOMAS, PETIT, ROBERT, RICHARD, DURAND, DUBOIS, MOREAU, LAURENT, SIMON, MICHEL,
        LEFEBVRE, LEROY, ROUX, DAVID, BERTRAND, MOREL, FOURNIER, GIRARD, BONNET, DUPONT, LAMBERT, FONTAINE,
        ROUSSEAU, VINCENT, MULLER, LEFEVRE, FAURE, ANDRE, MERCIER, BLANC, GUERIN, BOYER, GARNIER, CHEVALIER,
        FRANCOIS, LEGRAND, GAUTHIER, GARCIA, PERRIN, ROBIN, CLEMENT, MORIN, NICOLAS, HENRY, ROUSSEL, MATHIEU,
        GAUTIER, MASSON, MARCHAND, DUVAL, DENIS, DUMONT, MARIE, LEMAIRE, NOEL, MEYER, DUFOUR, MEUNIER, BRUN,
        BLANCHARD, GIRAUD, JOLY, RIVIERE, LUCAS, BRUNET, GAILLARD, BARBIER, ARNAUD, MARTINEZ, GERARD, ROCHE,
        RENARD, SCHMITT, ROY, LEROUX, COLIN, VIDAL, CARON, PICARD, ROGER, FABRE, AUBERT, LEMOINE, RENAUD,
        DUMAS, LACROIX, OLIVIER, PHILIPPE, BOURGEOIS, PIERRE, BENOIT, REY, LECLERC, PAYET, ROLLAND, LECLERCQ,
        GUILLAUME, LECOMTE, LOPEZ, JEAN, DUPUY, GUILLOT, HUBERT, BERGER, CARPENTIER, SANCHEZ, DUPUIS, MOULIN,
        LOUIS, DESCHAMPS, HUET, VASSEUR, PEREZ, BOUCHER, FLEURY, ROYER, KLEIN, JACQUET, ADAM, PARIS, POIRIER,
        MARTY, AUBRY, GUYOT, CARRE, CHARLES, RENAULT, CHARPENTIER, MENARD, MAILLARD, BARON, BERTIN, BAILLY,
        HERVE, SCHNEIDER, FERNANDEZ, LE GALL, COLLET, LEGER, BOUVIER, JULIEN, PREVOST, MILLET, PERROT, DANIEL,
        LE ROUX, COUSIN, GERMAIN, BRETON, BESSON, LANGLOIS, REMY, LE GOFF, PELLETIER, LEVEQUE, PERRIER,
        LEBLANC, BARRE, LEBRUN, MARCHAL, WEBER, MALLET, HAMON, BOULANGER, JACOB, MONNIER, MICHAUD, RODRIGUEZ,
        GUICHARD, GILLET, ETIENNE, GRONDIN, MILLOT, TESSIER, CHEVALLIER, COLLIN, LEMAITRE, BENARD, MARECHAL,
        HUMBERT, REYNAUD, ANTOINE, HOARAU, PERRET, BARTHELEMY, CORDIER, PICHON, LEJEUNE, GILBERT, LAMY,
        DELAUNAY, PASQUIER, CARLIER, LAPORTE, KERBRAT, LE BRIS, QUEMENER, SANTONI, LUCIANI, BENALI, HADDAD,
        DIALLO, TRAORE, NGUYEN, DA SILVA, DOS SANTOS, FERREIRA, BELKACEM, BOUZID, MEZIANE, CISSE, KONE,
        COULIBALY, YILMAZ, KAYA, MOHAMED, SAIDI, BENSALEM, CHERIF, RODRIGUES, TRAN, PHAM, D'ALMEIDA, N'DIAYE
    """),
    # Antilles and Guyane family names.
    "antilles": _split("""
        JEAN-BAPTISTE, MARIE-SAINTE, LOUIS-SIDNEY, JOSEPH, ALEXIS, CHARLES-ANGELE, LABOURG, DESIRE, SAINT-ELOI,
        NUGENT, BELLAY, EUSTACHE, ZENON, CELESTINE, DAMAS, CESAIRE, PETIT-FRERE, MONROSE, ROSEMAIN, THEODOSE,
        LAUPA, LUREL, CALIXTE, FRANCILLETTE, DORVILLE, CADROT, DESIRE-BUSSY, NOEL, FELICITE, ALMONT, LAURENT,
        MATHURIN, SYLVESTRE, BOISFER, HENRI, FORTUNE, GUSTAVE, SAINT-AUDE
    """),
}

# --- First names ---------------------------------------------------------------------------------------
FEMALE_ADULT = _split("""
    Marie, Sandrine, Nathalie, Isabelle, Sylvie, Valérie, Céline, Stéphanie, Émilie, Aurélie, Sabrina, Johanne,
    Gabrielle, Rose May, Marie Claude, Marie Josée, Marie Sandrine, Marie Christine, Marie Annick, Josiane,
    Nadia, Hélène, Mélanie, Laëtitia, Noémie, Chloé, Élodie, Audrey, Jessica, Priscilla, Vanessa, Christelle,
    Géraldine, Karine, Séverine, Angélique, Maryse, Gisèle, Mireille, Virginie, Julie, Caroline, Émeline,
    Sophie, Cécile, Patricia, Corinne, Françoise, Jennifer, Cindy, Anne, Claire, Laure, Fabienne, Magali,
    Marie Ange, Marie Laure, Marie Noëlle, Marie Paule, Marie France, Anne Sophie, Lætitia, Natacha, Annabelle,
    Ingrid, Ludivine, Sonia, Murielle, Jocelyne, Rosemay, Lucie, Aline, Pascale, Béatrice, Clarisse, Solène
""")
MALE_ADULT = _split("""
    Stéphane, Frédéric, Sébastien, Jean, Christophe, Thierry, Nicolas, Laurent, Olivier, Éric, Jérôme, David,
    Philippe, Patrice, Cédric, Grégory, Mickaël, Ludovic, Jean Claude, Pascal, Didier, Franck, Fabrice,
    Yannick, Alexandre, Julien, Guillaume, Romain, Jean Marc, Anthony, Vincent, Bruno, Alain, Daniel, Gilbert,
    Jean Gaël, Hervé, Joël, Noël, José, Loïc, Gaël, Jérémy, Johnny, Teddy, Willy, Dimitri, Claude, Michel,
    Pierre, Jean Paul, Marc, Bertrand, Régis, Lionel, Rodolphe, Fabien, Jimmy, Samuel, Mathieu, Benoît,
    Jean Yves, Aurélien, Maxime, Jean Michel, Kévin, Steeve, Harry, Rudy, Dominique, Hugues, Raphaël,
    Jean François, Jean Luc, Jean Pierre, Jean Hugues, Jean Bernard, Jean Max, Jean René, Jacky
""")
FEMALE_CHILD = _split("""
    Emma, Anaïs, Maëlys, Léa, Chloé, Inès, Jade, Louise, Manon, Camille, Zoé, Lou, Lina, Léna, Maëlle, Océane,
    Noémie, Éléa, Ambre, Clémence, Stéphanie, Kélya, Maïwenn, Anaëlle, Shaïna, Naïla, Kenza, Alice, Rose,
    Mia, Juliette, Romane, Lola, Lucie, Élise, Sarah, Héloïse, Nina, Louna, Margaux, Charlotte, Eva, Jeanne,
    Agathe, Capucine, Mathilde, Lyana, Thaïs, Maya, Élina, Kiara, Célya, Naomie, Ilona, Léana, Maëva, Anna,
    Marie, Yaëlle, Clara, Laïa, Iléana, Noélie, Élya, Nolwenn, Gwendoline, Ema, Aya, Mélyne, Cassandre
""")
MALE_CHILD = _split("""
    Gabriel, Léo, Raphaël, Louis, Noah, Jules, Lucas, Enzo, Mathéo, Noé, Hugo, Nolan, Gaël, Éthan, Réhain, Yvan,
    Timéo, Kylian, Mathis, Nathan, Théo, Aaron, Noah, Rayan, Ilyès, Yanis, Kaïs, Loïs, Naël, Maël, Élouan,
    Liam, Axel, Adam, Sacha, Tiago, Kenzo, Kélyan, Arthur, Tom, Paul, Victor, Martin, Clément, Baptiste,
    Maxence, Evan, Lenny, Nathanaël, Mathys, Évan, Ryan, Kyllian, Jordan, Dylan, Matteo, Lorenzo, Kendji,
    Anthony, Jean Gaël, Jean Baptiste, Noa, Eliott, Marius, Valentin, Antoine, Romain, Alexis, Kévin, Ilan,
    Aymeric, Joachim, Léandre, Thibault, Benjamin, Jérémie, Mattéo, Gaëtan, Anaël, Joël, Loïc
""")
# Comorian / Mahorais first names (Mayotte, and Comorian families elsewhere).
FEMALE_COMORIAN = _split("""
    Zaïnaba, Anfiati, Echati, Latifa, Fatima, Mariama, Zalifa, Nafissa, Sitti, Roukia, Faouzia, Hadidja,
    Moinahalima, Nasra, Zakia, Andhoimati, Chamsia, Soilihati, Hanifa, Moinecha, Faïza, Naïma, Amina, Zaharia
""")
MALE_COMORIAN = _split("""
    Ahmed, Mohamed, Saïd, Ali, Anli, Abdou, Ibrahim, Youssouf, Houssaini, Nassim, Soilihi, Abdallah, Ismaël,
    Madi, Ousséni, Faïz, Anzizi, Naoufal, Djamal, Fahardine, Chamsidine, Nourdine, Inzoudine, Kamal
""")

# --- Places --------------------------------------------------------------------------------------------
REUNION_COMMUNES: list[tuple[str, float]] = [
    ("Saint-Denis", 153), ("Saint-Paul", 105), ("Saint-Pierre", 85), ("Le Tampon", 80), ("Saint-André", 57),
    ("Saint-Louis", 54), ("Le Port", 33), ("Saint-Benoît", 38), ("Saint-Joseph", 39), ("Sainte-Marie", 34),
    ("Saint-Leu", 34), ("La Possession", 33), ("Sainte-Suzanne", 24), ("Étang-Salé", 14), ("Petite-Île", 12),
    ("Bras-Panon", 13), ("Entre-Deux", 7), ("Cilaos", 5), ("Salazie", 7), ("La Plaine-des-Palmistes", 6),
    ("Les Avirons", 11), ("Saint-Philippe", 5), ("Sainte-Rose", 6), ("Trois-Bassins", 7),
]
MAYOTTE_COMMUNES: list[tuple[str, float]] = [
    ("Mamoudzou", 71), ("Koungou", 32), ("Dzaoudzi", 17), ("Dembeni", 15), ("Tsingoni", 13), ("Sada", 11),
    ("Pamandzi", 11), ("Ouangani", 10), ("Chiconi", 8), ("Mtsamboro", 8), ("Bandraboua", 13),
    ("Bandrélé", 10), ("Chirongui", 9), ("Kani-Kéli", 5), ("Boueni", 6), ("Acoua", 5), ("M'Tsangamouji", 6),
]

# Académies of 2026 (codes of the BCE nomenclature); Caen and Rouen merged into Normandie (70) in 2020.
# Each académie: (code, name, rentrée month-day, pupils (thousands), names origin mix, départements).
# Each département: (code, UAI prefix, name, [communes, prefecture first]).
ACADEMIES: list[tuple[str, str, str, int, str, list[tuple[str, str, str, list[str]]]]] = [
    ("01", "Paris", "09-01", 340, "metropole", [
        ("75", "075", "Paris", ["Paris"])]),
    ("02", "Aix-Marseille", "09-01", 580, "metropole", [
        ("04", "004", "Alpes-de-Haute-Provence", ["Digne-les-Bains", "Manosque", "Sisteron"]),
        ("05", "005", "Hautes-Alpes", ["Gap", "Briançon", "Embrun"]),
        ("13", "013", "Bouches-du-Rhône", ["Marseille", "Aix-en-Provence", "Arles", "Martigues", "Aubagne"]),
        ("84", "084", "Vaucluse", ["Avignon", "Carpentras", "Orange", "Cavaillon"])]),
    ("03", "Besançon", "09-01", 210, "metropole", [
        ("25", "025", "Doubs", ["Besançon", "Montbéliard", "Pontarlier"]),
        ("39", "039", "Jura", ["Lons-le-Saunier", "Dole", "Saint-Claude"]),
        ("70", "070", "Haute-Saône", ["Vesoul", "Lure", "Gray"]),
        ("90", "090", "Territoire de Belfort", ["Belfort", "Delle"])]),
    ("04", "Bordeaux", "09-01", 600, "metropole", [
        ("24", "024", "Dordogne", ["Périgueux", "Bergerac", "Sarlat-la-Canéda"]),
        ("33", "033", "Gironde", ["Bordeaux", "Mérignac", "Pessac", "Libourne", "Arcachon"]),
        ("40", "040", "Landes", ["Mont-de-Marsan", "Dax", "Biscarrosse"]),
        ("47", "047", "Lot-et-Garonne", ["Agen", "Villeneuve-sur-Lot", "Marmande"]),
        ("64", "064", "Pyrénées-Atlantiques", ["Pau", "Bayonne", "Anglet", "Biarritz"])]),
    ("06", "Clermont-Ferrand", "09-01", 220, "metropole", [
        ("03", "003", "Allier", ["Moulins", "Montluçon", "Vichy"]),
        ("15", "015", "Cantal", ["Aurillac", "Saint-Flour"]),
        ("43", "043", "Haute-Loire", ["Le Puy-en-Velay", "Yssingeaux"]),
        ("63", "063", "Puy-de-Dôme", ["Clermont-Ferrand", "Riom", "Issoire", "Thiers"])]),
    ("07", "Dijon", "09-01", 280, "metropole", [
        ("21", "021", "Côte-d'Or", ["Dijon", "Beaune", "Montbard"]),
        ("58", "058", "Nièvre", ["Nevers", "Cosne-Cours-sur-Loire"]),
        ("71", "071", "Saône-et-Loire", ["Mâcon", "Chalon-sur-Saône", "Le Creusot", "Autun"]),
        ("89", "089", "Yonne", ["Auxerre", "Sens", "Avallon"])]),
    ("08", "Grenoble", "09-01", 660, "metropole", [
        ("07", "007", "Ardèche", ["Privas", "Annonay", "Aubenas"]),
        ("26", "026", "Drôme", ["Valence", "Montélimar", "Romans-sur-Isère"]),
        ("38", "038", "Isère", ["Grenoble", "Vienne", "Bourgoin-Jallieu", "Voiron", "Échirolles"]),
        ("73", "073", "Savoie", ["Chambéry", "Aix-les-Bains", "Albertville"]),
        ("74", "074", "Haute-Savoie", ["Annecy", "Annemasse", "Thonon-les-Bains", "Cluses"])]),
    ("09", "Lille", "09-01", 820, "metropole", [
        ("59", "059", "Nord", ["Lille", "Roubaix", "Tourcoing", "Dunkerque", "Valenciennes", "Douai"]),
        ("62", "062", "Pas-de-Calais", ["Arras", "Calais", "Boulogne-sur-Mer", "Lens", "Béthune"])]),
    ("10", "Lyon", "09-01", 640, "metropole", [
        ("01", "001", "Ain", ["Bourg-en-Bresse", "Oyonnax", "Ambérieu-en-Bugey"]),
        ("42", "042", "Loire", ["Saint-Étienne", "Roanne", "Montbrison"]),
        ("69", "069", "Rhône", ["Lyon", "Villeurbanne", "Vénissieux", "Vaulx-en-Velin", "Villefranche-sur-Saône"])]),
    ("11", "Montpellier", "09-01", 500, "metropole", [
        ("11", "011", "Aude", ["Carcassonne", "Narbonne", "Castelnaudary"]),
        ("30", "030", "Gard", ["Nîmes", "Alès", "Bagnols-sur-Cèze"]),
        ("34", "034", "Hérault", ["Montpellier", "Béziers", "Sète", "Lunel"]),
        ("48", "048", "Lozère", ["Mende", "Marvejols"]),
        ("66", "066", "Pyrénées-Orientales", ["Perpignan", "Canet-en-Roussillon", "Prades"])]),
    ("12", "Nancy-Metz", "09-01", 400, "metropole", [
        ("54", "054", "Meurthe-et-Moselle", ["Nancy", "Vandœuvre-lès-Nancy", "Lunéville", "Toul"]),
        ("55", "055", "Meuse", ["Bar-le-Duc", "Verdun", "Commercy"]),
        ("57", "057", "Moselle", ["Metz", "Thionville", "Forbach", "Sarreguemines"]),
        ("88", "088", "Vosges", ["Épinal", "Saint-Dié-des-Vosges", "Remiremont"])]),
    ("13", "Poitiers", "09-01", 290, "metropole", [
        ("16", "016", "Charente", ["Angoulême", "Cognac"]),
        ("17", "017", "Charente-Maritime", ["La Rochelle", "Saintes", "Rochefort", "Royan"]),
        ("79", "079", "Deux-Sèvres", ["Niort", "Bressuire", "Parthenay"]),
        ("86", "086", "Vienne", ["Poitiers", "Châtellerault", "Loudun"])]),
    ("14", "Rennes", "09-01", 550, "metropole", [
        ("22", "022", "Côtes-d'Armor", ["Saint-Brieuc", "Lannion", "Dinan"]),
        ("29", "029", "Finistère", ["Quimper", "Brest", "Morlaix", "Concarneau"]),
        ("35", "035", "Ille-et-Vilaine", ["Rennes", "Saint-Malo", "Fougères", "Vitré"]),
        ("56", "056", "Morbihan", ["Vannes", "Lorient", "Pontivy"])]),
    ("15", "Strasbourg", "09-01", 330, "metropole", [
        ("67", "067", "Bas-Rhin", ["Strasbourg", "Haguenau", "Schiltigheim", "Sélestat"]),
        ("68", "068", "Haut-Rhin", ["Colmar", "Mulhouse", "Saint-Louis", "Guebwiller"])]),
    ("16", "Toulouse", "09-01", 550, "metropole", [
        ("09", "009", "Ariège", ["Foix", "Pamiers"]),
        ("12", "012", "Aveyron", ["Rodez", "Millau", "Villefranche-de-Rouergue"]),
        ("31", "031", "Haute-Garonne", ["Toulouse", "Colomiers", "Tournefeuille", "Muret", "Blagnac"]),
        ("32", "032", "Gers", ["Auch", "Condom"]),
        ("46", "046", "Lot", ["Cahors", "Figeac"]),
        ("65", "065", "Hautes-Pyrénées", ["Tarbes", "Lourdes"]),
        ("81", "081", "Tarn", ["Albi", "Castres", "Gaillac"]),
        ("82", "082", "Tarn-et-Garonne", ["Montauban", "Castelsarrasin"])]),
    ("17", "Nantes", "09-01", 680, "metropole", [
        ("44", "044", "Loire-Atlantique", ["Nantes", "Saint-Nazaire", "Rezé", "Saint-Herblain"]),
        ("49", "049", "Maine-et-Loire", ["Angers", "Cholet", "Saumur"]),
        ("53", "053", "Mayenne", ["Laval", "Château-Gontier", "Mayenne"]),
        ("72", "072", "Sarthe", ["Le Mans", "La Flèche", "Sablé-sur-Sarthe"]),
        ("85", "085", "Vendée", ["La Roche-sur-Yon", "Les Sables-d'Olonne", "Challans"])]),
    ("18", "Orléans-Tours", "09-01", 450, "metropole", [
        ("18", "018", "Cher", ["Bourges", "Vierzon"]),
        ("28", "028", "Eure-et-Loir", ["Chartres", "Dreux", "Châteaudun"]),
        ("36", "036", "Indre", ["Châteauroux", "Issoudun"]),
        ("37", "037", "Indre-et-Loire", ["Tours", "Joué-lès-Tours", "Amboise"]),
        ("41", "041", "Loir-et-Cher", ["Blois", "Vendôme", "Romorantin-Lanthenay"]),
        ("45", "045", "Loiret", ["Orléans", "Montargis", "Gien"])]),
    ("19", "Reims", "09-01", 230, "metropole", [
        ("08", "008", "Ardennes", ["Charleville-Mézières", "Sedan"]),
        ("10", "010", "Aube", ["Troyes", "Romilly-sur-Seine"]),
        ("51", "051", "Marne", ["Châlons-en-Champagne", "Reims", "Épernay"]),
        ("52", "052", "Haute-Marne", ["Chaumont", "Saint-Dizier", "Langres"])]),
    ("20", "Amiens", "09-01", 340, "metropole", [
        ("02", "002", "Aisne", ["Laon", "Saint-Quentin", "Soissons"]),
        ("60", "060", "Oise", ["Beauvais", "Compiègne", "Creil"]),
        ("80", "080", "Somme", ["Amiens", "Abbeville", "Péronne"])]),
    ("22", "Limoges", "09-01", 110, "metropole", [
        ("19", "019", "Corrèze", ["Tulle", "Brive-la-Gaillarde", "Ussel"]),
        ("23", "023", "Creuse", ["Guéret", "Aubusson"]),
        ("87", "087", "Haute-Vienne", ["Limoges", "Saint-Junien"])]),
    ("23", "Nice", "09-01", 360, "metropole", [
        ("06", "006", "Alpes-Maritimes", ["Nice", "Cannes", "Antibes", "Grasse", "Menton"]),
        ("83", "083", "Var", ["Toulon", "Fréjus", "Draguignan", "Hyères", "La Seyne-sur-Mer"])]),
    ("24", "Créteil", "09-01", 1000, "metropole", [
        ("77", "077", "Seine-et-Marne", ["Melun", "Meaux", "Chelles", "Pontault-Combault"]),
        ("93", "093", "Seine-Saint-Denis", ["Bobigny", "Saint-Denis", "Montreuil", "Aubervilliers", "Aulnay-sous-Bois"]),
        ("94", "094", "Val-de-Marne", ["Créteil", "Vitry-sur-Seine", "Champigny-sur-Marne", "Ivry-sur-Seine"])]),
    ("25", "Versailles", "09-01", 1100, "metropole", [
        ("78", "078", "Yvelines", ["Versailles", "Sartrouville", "Mantes-la-Jolie", "Poissy"]),
        ("91", "091", "Essonne", ["Évry-Courcouronnes", "Corbeil-Essonnes", "Massy", "Savigny-sur-Orge"]),
        ("92", "092", "Hauts-de-Seine", ["Nanterre", "Boulogne-Billancourt", "Colombes", "Courbevoie"]),
        ("95", "095", "Val-d'Oise", ["Cergy", "Argenteuil", "Sarcelles", "Pontoise"])]),
    ("27", "Corse", "09-01", 50, "metropole", [
        ("2A", "620", "Corse-du-Sud", ["Ajaccio", "Porto-Vecchio", "Propriano"]),
        ("2B", "720", "Haute-Corse", ["Bastia", "Corte", "Calvi"])]),
    ("28", "La Réunion", "08-17", 210, "reunion", [
        ("974", "974", "La Réunion", [c for c, _ in REUNION_COMMUNES])]),
    ("31", "Martinique", "09-01", 60, "antilles", [
        ("972", "972", "Martinique", ["Fort-de-France", "Le Lamentin", "Le Robert", "Schœlcher", "Sainte-Marie"])]),
    ("32", "Guadeloupe", "09-01", 80, "antilles", [
        ("971", "971", "Guadeloupe", ["Basse-Terre", "Les Abymes", "Baie-Mahault", "Le Gosier", "Pointe-à-Pitre"])]),
    ("33", "Guyane", "09-01", 90, "antilles", [
        ("973", "973", "Guyane", ["Cayenne", "Saint-Laurent-du-Maroni", "Kourou", "Matoury", "Rémire-Montjoly"])]),
    ("43", "Mayotte", "08-24", 110, "mayotte", [
        ("976", "976", "Mayotte", [c for c, _ in MAYOTTE_COMMUNES])]),
    ("70", "Normandie", "09-01", 600, "metropole", [
        ("14", "014", "Calvados", ["Caen", "Lisieux", "Bayeux", "Hérouville-Saint-Clair"]),
        ("27", "027", "Eure", ["Évreux", "Vernon", "Louviers"]),
        ("50", "050", "Manche", ["Saint-Lô", "Cherbourg-en-Cotentin", "Granville"]),
        ("61", "061", "Orne", ["Alençon", "Flers", "Argentan"]),
        ("76", "076", "Seine-Maritime", ["Rouen", "Le Havre", "Dieppe", "Fécamp"])]),
]

# Surname origin mixes per population (origin -> share).
ORIGIN_MIX: dict[str, dict[str, float]] = {
    "reunion": {"reunion": 0.66, "tamoul": 0.13, "comorien": 0.06, "chinois": 0.03, "zarabe": 0.03,
                "metropole": 0.09},
    "mayotte": {"comorien": 0.9, "metropole": 0.06, "reunion": 0.04},
    "antilles": {"antilles": 0.7, "metropole": 0.3},
    "metropole": {"metropole": 1.0},
}

# --- School names --------------------------------------------------------------------------------------
SCHOOL_PATRONS = _split("""
    JEAN JAURES, JULES FERRY, VICTOR HUGO, JACQUES PREVERT, PAUL LANGEVIN, LOUIS PASTEUR, JEAN MACE,
    CONDORCET, JEAN MOULIN, PIERRE ET MARIE CURIE, JEAN DE LA FONTAINE, ALBERT CAMUS, ANATOLE FRANCE,
    ANTOINE DE SAINT-EXUPERY, CHARLES PERRAULT, GEORGE SAND, JULES VERNE, MARCEL PAGNOL, PAUL ELUARD,
    LOUISE MICHEL, SIMONE VEIL, JEAN ROSTAND, LES TILLEULS, LES ACACIAS, LE CENTRE, LE BOURG, LES ECOLES,
    PABLO PICASSO, ARTHUR RIMBAUD, JOLIOT CURIE, HENRI WALLON, ROBERT DESNOS, JEAN ZAY, ALPHONSE DAUDET
""")
REUNION_PATRONS = _split("""
    LES FLAMBOYANTS, BOIS DE NEFLES, LA MONTAGNE, BELLEPIERRE, HEGESIPPE HOARAU, RAYMOND VERGES,
    MARCEL GOULETTE, ANTOINE ROUSSIN, JEAN JOLY, LECONTE DE LISLE, ROLAND GARROS, JULIETTE DODU,
    EVARISTE DE PARNY, AUGUSTE LACAZE, LES BADAMIERS, LES VAVANGUES, LES TAMARINS, BOIS D'OLIVE,
    LA RAVINE DES CABRIS, LA CHALOUPE, PLATEAU CAILLOUX, LA SALINE, GRAND FOND, TERRE SAINTE,
    LES LATANIERS, LES COCOTIERS, LES GOYAVIERS, LE GOL, BRAS FUSIL, LA RIVIERE DES PLUIES, MAHATMA GANDHI,
    LISLET GEOFFROY, EDMOND ALBIUS, SARDA GARRIGA, AMIRAL BOUVET, CHEMIN ZEPHIR, LES MANGUIERS,
    LES LILAS, TI PIERRE, BASSIN PLAT, RAVINE BLANCHE, TROIS MARES, PIERREFONDS, MONT VERT
""")


# --- Long tail of metropolitan surnames ----------------------------------------------------------------
# France has about a million surnames and its 250 most common ones cover barely an eighth of people; with
# only the list above, logins would reach j.martin80000. The tail is built like most French surnames are:
# a stem (often an old first name or trade) and a diminutive/derivation suffix (GUILL+OT, PERR+IN,
# ROUSS+EL), plus "place" names (DU BOIS -> DUBOIS, LA COMBE -> LACOMBE) and Breton LE/KER names.
_STEMS = _split("""
    BERTH, CHAUV, GIR, GUILL, MOR, RAV, BARB, BLANCH, BRUN, CHAMB, COL, FOUR, GAILL, GARN, GAUD, GOD, HUGU,
    JACQU, LAMB, MARCH, MICH, PERR, PIC, POUL, RAB, RAY, RICH, ROB, ROCH, ROUSS, SAUV, THIB, VILL, BOUCH,
    CHARP, CLAV, FAV, JOUB, LAB, MALL, MERC, PAS, PELL, TESS, VACH, BAR, BOUR, BRIS, CAILL, CHAP, CHEV,
    COUST, DROU, FERR, FOUCH, GAUTH, GERM, GRIM, GROS, GUER, HAM, JOL, LAC, LAUR, LEG, MAR, MASS, MOUL, NOR,
    PAG, PARM, PIN, PLANCH, POIR, RAM, REN, ROUG, SAB, TOURN, VAL, VIAL, BAUD, BERN, BESS, BOISS, BONN, BOUD,
    BRAC, BRET, CARR, CHAL, CHAR, CHAT, COCH, CORN, DEV, DUR, FAUCH, FOL, GAR, GASC, GOB, GOUB, GRAND, GUIB,
    JAC, LEMAR, MART, MENN, MOTT, PERRI, PETIT, QUEN, RIB, RIV, ROLL, SIM, THOM, TRAV, VERN, VIG, VINC
""")
_SUFFIXES = ["ET", "OT", "IN", "ON", "EAU", "EL", "ELIN", "ARD", "AUD", "AULT", "IER", "OUX", "AT", "OUD",
             "ERON", "ONNET"]
_DU = _split("""BOIS, PONT, MONT, VAL, CHAMP, CHESNE, FOUR, MOULIN, PRE, MAS, BOSC, PUY, BREUIL, CLOS, PERRON,
    BOURG, FRESNE, MESNIL, PLESSIS, TERTRE, CHATEL, BUISSON, VERGER, PARC, ROCHER, HAMEL, GUE, JARDIN""")
_LA = _split("""FONTAINE, ROCHE, COMBE, GRANGE, PORTE, MOTTE, PLACE, BORDE, VIGNE, SALLE, CROIX, TOUR, RUE,
    GARDE, BARRE, HAYE, CHAPELLE, FOREST, MARCHE, FOSSE, VALLEE, COSTE, PLANCHE, FERTE, LANDE, BRUYERE""")
_BRETON = _split("""GALL, GOFF, BRIS, BIHAN, MEUR, HIR, CORRE, DREAU, FLOCH, GUEN, MOAL, BERRE, ROUX, DU,
    BORGNE, CAM, COZ, DANTEC, GUENNEC, HENAFF, LAY, MOIGNE, PAPE, QUERE, SAUX, TALLEC, TOULLEC, BOT""")
_KER = _split("""BRAT, VELLA, GUELEN, MARREC, DRAON, LEO, ROUX, HERVE, JEAN, GOAT, BOUL, NEVEZ""")


def metro_tail() -> list[str]:
    head = set(SURNAMES["metropole"])
    out = [s + x for s in _STEMS for x in _SUFFIXES]
    out += ["DU" + x for x in _DU] + ["LA" + x for x in _LA] + ["DELA" + x for x in _LA[:12]]
    out += ["LE " + x for x in _BRETON] + ["KER" + x for x in _KER]
    return [x for x in dict.fromkeys(out) if x not in head]
