"""French first and last names (accents, hyphens, apostrophes included) for synthetic feeds."""

FIRST_NAMES = (
    "Éloïse", "Chloé", "Léa", "Inès", "Zoé", "Maëlys", "Anaïs", "Hélène", "Célia", "Noémie",
    "Manon", "Camille", "Louise", "Jade", "Agnès", "Béatrice", "Marie-Claire", "Françoise",
    "Joséphine", "Clémence", "Hugo", "Théo", "Raphaël", "Noé", "Gaëtan", "Jérôme", "Loïc",
    "Benoît", "François", "Jean-Baptiste", "Mathéo", "Timothée", "Émile", "Léon", "Arnaud",
    "Cédric", "Stéphane", "Thibault", "Grégoire", "Adrien",
)  # fmt: skip

LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Lefèvre",
    "Moreau", "Lefebvre", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
    "Vincent", "Müller", "Lemaître", "Guérin", "Chevalier", "François", "Bérénger", "Gauthier",
    "Perrin", "Faure", "Mercier", "Boyer", "Blanchard", "Garnier", "Château", "Ménard",
    "Brisset", "D'Artagnan", "Laborde-Noguès", "Etcheverry", "Lacoste", "Darrieussecq", "Œuvrard",
)  # fmt: skip

STREETS = (
    "cours de la Libération", "rue Sainte-Catherine", "cours Victor-Hugo", "rue du Château-d'Eau",
    "avenue Léon-Duguit", "rue Camille-Jullian", "cours Pasteur", "place de la Victoire",
)  # fmt: skip

#: (postal code, city) of the Bordeaux area.
TOWNS = (
    ("33000", "Bordeaux"), ("33400", "Talence"), ("33600", "Pessac"), ("33170", "Gradignan"),
    ("33800", "Bordeaux"), ("33130", "Bègles"), ("33700", "Mérignac"),
)  # fmt: skip
