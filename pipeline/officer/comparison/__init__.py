"""The comparison engine: what two compiled policies disclose, compared per partner (a change
memo) or per kind of partner (two regions side by side). Pure: reads compiled policies and the
partner registry, returns plain data; renderers live elsewhere."""
