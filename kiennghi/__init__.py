"""kiennghi: routes Vietnamese petitions (kiến nghị) to the provincial bodies that must answer them."""

__version__ = "0.1.0"
